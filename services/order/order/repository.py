"""Order's SQL, nothing else."""

from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple
from uuid import UUID

import asyncpg

from events import Event
from messaging.outbox import Outgoing, Row, outbox_insert
from order import domain


async def place_order(
    conn: asyncpg.Connection,
    order_id: UUID,
    customer_id: UUID,
    payment_method: str,
    total: Decimal,
    items: list[tuple[UUID, int, Decimal]],
    created: Event,
    key: tuple[str, str] | None,  # (scope, Idempotency-Key): the caller's subject and its key
    request_hash: str | None,
    schema_version: int,
    hold_id: UUID | None,
) -> tuple[list[Row] | None, bool]:
    """In one statement (one round trip, its own transaction): check the lines' unit prices against the
    kept prices (order.pricing's rule: a price that differs, or a product with no price once any price is
    known, refuses the order), then claim the Idempotency-Key (if any), and only if the prices are fair
    and the key was free insert the order, its lines, its first history entry and its order.created
    outbox row (written in `schema_version`), returned for the relay. Returns (rows, whether the prices
    were fair); rows None: nothing was written, because a price was refused (the key is left free) or
    the key was taken already (by a committed request; a concurrent claimer of the same key is waited
    for)."""
    outgoing = Outgoing([created], schema_version)
    fair, placed = await conn.fetchrow(
        "WITH fair AS (SELECT WHERE NOT EXISTS (SELECT FROM unnest($6::uuid[], $8::numeric[]) AS l(p, u)"
        "  LEFT JOIN product_prices k ON k.product_id = l.p"
        "  WHERE k.price IS DISTINCT FROM l.u AND (k.price IS NOT NULL OR EXISTS (SELECT FROM product_prices)))),"
        " claim AS (INSERT INTO idempotency_requests (scope, key, request_hash, order_id)"
        "  SELECT $18, $9, $10, $1 WHERE $9::text IS NOT NULL AND EXISTS (SELECT FROM fair)"
        "  ON CONFLICT (scope, key) DO NOTHING RETURNING key),"
        " go AS (SELECT WHERE EXISTS (SELECT FROM fair) AND ($9::text IS NULL OR EXISTS (SELECT FROM claim))),"
        " o AS (INSERT INTO orders (order_id, customer_id, payment_method, total_amount, status, hold_id)"
        "  SELECT $1, $2, $3, $4, $5, $17 FROM go),"
        " i AS (INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price)"
        "  SELECT $1, n, p, q, u FROM unnest($6::uuid[], $7::int[], $8::numeric[]) WITH ORDINALITY AS d(p, q, u, n)"
        "  WHERE EXISTS (SELECT FROM go)),"
        " h AS (INSERT INTO order_history (order_id, status, event_type, event_id, applied)"
        "  SELECT $1, $5, 'order.created', $16, true FROM go),"
        f" x AS ({outbox_insert(11, when='EXISTS (SELECT FROM go)')})"
        " SELECT EXISTS (SELECT FROM fair), EXISTS (SELECT FROM go)",
        order_id,
        customer_id,
        payment_method,
        total,
        domain.PENDING,
        [i[0] for i in items],
        [i[1] for i in items],
        [i[2] for i in items],
        key[1] if key else None,
        request_hash,
        *outgoing.params(),
        created.event_id,
        hold_id,
        key[0] if key else "",
    )
    return (outgoing.rows() if placed else None), fair


class HistoryRow(NamedTuple):
    order_id: UUID
    status: str | None  # None: recorded without moving the status
    event_type: str
    event_id: UUID | None
    applied: bool
    note: str | None


class ShipmentRow(NamedTuple):
    order_id: UUID
    shipment_no: int  # 1, 2, ...: the order shipping.scheduled listed them in
    shipment_id: UUID
    warehouse_id: str | None  # None: a version-1 shipping.scheduled names no warehouse
    tracking_code: str
    freight_cost: Decimal
    estimated_delivery: date


async def record(
    conn: asyncpg.Connection,
    changes: dict[UUID, tuple[str, str | None]],
    rows: list[HistoryRow],
    shipments: list[ShipmentRow],
) -> None:
    """In one statement: the orders' new statuses, and tracking codes where one is given (a code once set
    is never cleared); their shipments (an order's first shipping.scheduled keeps its list); then the
    history rows, in list order (history is read back in insertion order)."""
    await conn.execute(
        "WITH changed AS (UPDATE orders o SET status = d.s, tracking_code = coalesce(d.t, o.tracking_code),"
        "  updated_at = clock_timestamp()"
        "  FROM unnest($1::uuid[], $2::text[], $3::text[]) AS d(id, s, t) WHERE o.order_id = d.id),"
        " shipped AS (INSERT INTO order_shipments (order_id, shipment_no, shipment_id, warehouse_id,"
        "  tracking_code, freight_cost, estimated_delivery)"
        "  SELECT * FROM unnest($10::uuid[], $11::int[], $12::uuid[], $13::text[], $14::text[],"
        "  $15::numeric[], $16::date[]) ON CONFLICT DO NOTHING)"
        " INSERT INTO order_history (order_id, status, event_type, event_id, applied, note)"
        " SELECT o, s, t, e, a, n FROM unnest($4::uuid[], $5::text[], $6::text[], $7::uuid[], $8::bool[], $9::text[])"
        " WITH ORDINALITY AS d(o, s, t, e, a, n, i) ORDER BY i",
        list(changes),
        [s for s, _ in changes.values()],
        [t for _, t in changes.values()],
        *([getattr(r, f) for r in rows] for f in HistoryRow._fields),
        *([getattr(s, f) for s in shipments] for f in ShipmentRow._fields),
    )


async def lock_statuses(conn: asyncpg.Connection, order_ids: list[UUID]) -> dict[UUID, str]:
    """Lock the orders in order id order (so two batches never deadlock); unknown ids are left out."""
    rows = await conn.fetch(
        "SELECT order_id, status FROM orders WHERE order_id = ANY($1::uuid[]) ORDER BY order_id FOR UPDATE",
        list(set(order_ids)),
    )
    return {r["order_id"]: r["status"] for r in rows}


async def existing_claim(conn: asyncpg.Connection, key: tuple[str, str]) -> asyncpg.Record | None:
    """The request that claimed (scope, key) first: its body's hash and its order."""
    return await conn.fetchrow(
        "SELECT request_hash, order_id FROM idempotency_requests WHERE scope = $1 AND key = $2", *key
    )


async def get_order(conn: asyncpg.Connection, order_id: UUID, customer_id: UUID | None = None) -> dict | None:
    """The order with its items, history and shipments; None if unknown or, given `customer_id`,
    another customer's."""
    row = await conn.fetchrow(
        "SELECT * FROM orders WHERE order_id = $1 AND ($2::uuid IS NULL OR customer_id = $2)",
        order_id,
        customer_id,
    )
    if row is None:
        return None
    items = await conn.fetch(
        "SELECT product_id, quantity, unit_price FROM order_items WHERE order_id = $1 ORDER BY line_no",
        order_id,
    )
    history = await conn.fetch(
        "SELECT status, event_type, event_id, applied, note, at FROM order_history WHERE order_id = $1 ORDER BY id",
        order_id,
    )
    shipments = await conn.fetch(
        "SELECT shipment_id, warehouse_id, tracking_code, freight_cost, estimated_delivery FROM order_shipments"
        " WHERE order_id = $1 ORDER BY shipment_no",
        order_id,
    )
    return {
        **dict(row),
        "items": [dict(i) for i in items],
        "shipments": [dict(s) for s in shipments],
        "history": [dict(h) for h in history],
    }


async def list_orders(
    conn: asyncpg.Connection,
    status: str | None,
    limit: int,
    after: tuple[datetime, UUID] | None,
    customer_id: UUID | None = None,
) -> list[asyncpg.Record]:
    """Newest first; only `customer_id`'s orders when given. Two statements, not `$5 IS NULL OR ...`, so
    a prepared statement's generic plan still walks orders_by_customer for one customer."""
    own = " AND customer_id = $5" if customer_id is not None else " AND $5::uuid IS NULL"
    return await conn.fetch(
        "SELECT order_id, customer_id, status, total_amount, tracking_code, created_at, updated_at FROM orders"
        " WHERE ($1::text IS NULL OR status = $1)"
        " AND ($2::timestamptz IS NULL OR (created_at, order_id) < ($2, $3))"
        f"{own} ORDER BY created_at DESC, order_id DESC LIMIT $4",
        status,
        after[0] if after else None,
        after[1] if after else None,
        limit,
        customer_id,
    )
