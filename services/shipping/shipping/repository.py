"""Shipping's SQL, nothing else: a batch locks its shipments, inserts the new ones, cancels some."""

from typing import NamedTuple
from uuid import UUID

import asyncpg

from shipping.domain import Refused, Scheduled, Tombstone


class NewShipment(NamedTuple):
    shipment_id: UUID
    order_id: UUID
    reservation_id: UUID | None
    outcome: Scheduled | Refused | Tombstone


async def lock(conn: asyncpg.Connection, order_ids: list[UUID]) -> dict[UUID, str]:
    """The orders' shipment statuses, locked in order id order (so two batches never deadlock); an order
    with no shipment is left out."""
    rows = await conn.fetch(
        "SELECT order_id, status FROM shipments WHERE order_id = ANY($1::uuid[]) ORDER BY order_id FOR UPDATE",
        sorted(set(order_ids)),
    )
    return {r["order_id"]: r["status"] for r in rows}


def _row(s: NewShipment) -> tuple:
    o = s.outcome
    if isinstance(o, Scheduled):
        return (*s[:3], "SCHEDULED", o.tracking_code, o.units, o.freight_cost, o.estimated_delivery, None)
    return (*s[:3], "FAILED" if isinstance(o, Refused) else "CANCELLED", None, None, None, None, o.reason)


async def insert_many(conn: asyncpg.Connection, shipments: list[NewShipment]) -> None:
    """Scheduled and failed shipments and tombstones, in one statement."""
    await conn.execute(
        "INSERT INTO shipments (shipment_id, order_id, reservation_id, status, tracking_code, units,"
        " freight_cost, estimated_delivery, reason)"
        " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::int[],"
        " $7::numeric[], $8::date[], $9::text[]) AS d(s, o, r, st, t, u, f, e, re) ORDER BY o",
        *(list(column) for column in zip(*map(_row, shipments), strict=True)),
    )


async def cancel_many(conn: asyncpg.Connection, reasons: dict[UUID, str]) -> None:
    """Each order's shipment CANCELLED with its reason."""
    await conn.execute(
        "UPDATE shipments s SET status = 'CANCELLED', reason = d.reason, updated_at = now()"
        " FROM unnest($1::uuid[], $2::text[]) AS d(id, reason) WHERE s.order_id = d.id",
        list(reasons),
        list(reasons.values()),
    )
