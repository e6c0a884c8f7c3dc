"""Shipping's SQL, nothing else: a batch locks its shipments, inserts the new ones, cancels some."""

from typing import NamedTuple
from uuid import UUID

import asyncpg

from shipping.domain import Parcel, Refused, Tombstone


class NewShipment(NamedTuple):
    """One row: a warehouse's parcel, or an order-level outcome (a refusal, a tombstone) with no
    warehouse. shipment_no counts an order's rows from 1, so two decisions for one order cannot both
    be written (their first rows collide)."""

    shipment_id: UUID
    order_id: UUID
    reservation_id: UUID | None
    shipment_no: int
    outcome: Parcel | Refused | Tombstone


async def lock(conn: asyncpg.Connection, order_ids: list[UUID]) -> dict[UUID, str]:
    """The orders' shipment statuses (an order's rows share one: scheduled together, cancelled together),
    locked in (order id, shipment_no) order so two batches never deadlock; an order with no row is left
    out."""
    rows = await conn.fetch(
        "SELECT order_id, status FROM shipments WHERE order_id = ANY($1::uuid[])"
        " ORDER BY order_id, shipment_no FOR UPDATE",
        sorted(set(order_ids)),
    )
    return {r["order_id"]: r["status"] for r in rows}


def _row(s: NewShipment) -> tuple:
    o = s.outcome
    if isinstance(o, Parcel):
        return (
            *s[:4],
            o.warehouse_id,
            "SCHEDULED",
            o.tracking_code,
            o.units,
            o.freight_cost,
            o.estimated_delivery,
            None,
        )
    return (
        *s[:4],
        None,
        "FAILED" if isinstance(o, Refused) else "CANCELLED",
        None,
        None,
        None,
        None,
        o.reason,
    )


async def insert_many(conn: asyncpg.Connection, shipments: list[NewShipment]) -> None:
    """Scheduled parcels, failed shipments and tombstones, in one statement."""
    await conn.execute(
        "INSERT INTO shipments (shipment_id, order_id, reservation_id, shipment_no, warehouse_id, status,"
        " tracking_code, units, freight_cost, estimated_delivery, reason)"
        " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::text[],"
        " $7::text[], $8::int[], $9::numeric[], $10::date[], $11::text[])"
        " AS d(s, o, r, n, w, st, t, u, f, e, re) ORDER BY o, n",
        *(list(column) for column in zip(*map(_row, shipments), strict=True)),
    )


async def cancel_many(conn: asyncpg.Connection, reasons: dict[UUID, str]) -> None:
    """Every scheduled shipment of each order CANCELLED with its reason."""
    await conn.execute(
        "UPDATE shipments s SET status = 'CANCELLED', reason = d.reason, updated_at = now()"
        " FROM unnest($1::uuid[], $2::text[]) AS d(id, reason)"
        " WHERE s.order_id = d.id AND s.status = 'SCHEDULED'",
        list(reasons),
        list(reasons.values()),
    )
