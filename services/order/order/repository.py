"""Order's SQL, nothing else."""

import base64
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg

from order import domain


async def insert_order(
    conn: asyncpg.Connection, order_id: UUID, customer_id: UUID, payment_method: str, total: Decimal,
    items: list[tuple[UUID, int, Decimal]], event_id: UUID,
) -> None:
    """The order, its lines and its first history entry, in one statement (one round trip)."""
    await conn.execute(
        "WITH o AS (INSERT INTO orders (order_id, customer_id, payment_method, total_amount, status)"
        "  VALUES ($1, $2, $3, $4, $5)),"
        " i AS (INSERT INTO order_items (order_id, line_no, product_id, quantity, unit_price)"
        "  SELECT $1, n, p, q, u FROM unnest($6::uuid[], $7::int[], $8::numeric[]) WITH ORDINALITY AS d(p, q, u, n))"
        " INSERT INTO order_history (order_id, status, event_type, event_id, applied)"
        " VALUES ($1, $5, 'order.created', $9, true)",
        order_id, customer_id, payment_method, total, domain.PENDING,
        [i[0] for i in items], [i[1] for i in items], [i[2] for i in items], event_id,
    )


async def add_history(
    conn: asyncpg.Connection, order_id: UUID, statuses: list[str | None], event_type: str,
    event_id: UUID | None, applied: bool, note: str | None,
) -> None:
    await conn.execute(
        "INSERT INTO order_history (order_id, status, event_type, event_id, applied, note)"
        " SELECT $1, s, $3, $4, $5, $6 FROM unnest($2::text[]) AS s",
        order_id, statuses, event_type, event_id, applied, note,
    )


async def lock_status(conn: asyncpg.Connection, order_id: UUID) -> str | None:
    return await conn.fetchval("SELECT status FROM orders WHERE order_id = $1 FOR UPDATE", order_id)


async def update(conn: asyncpg.Connection, order_id: UUID, status: str, tracking_code: str | None) -> None:
    await conn.execute(
        "UPDATE orders SET status = $2, tracking_code = coalesce($3, tracking_code),"
        " updated_at = clock_timestamp() WHERE order_id = $1",
        order_id, status, tracking_code,
    )


async def claim_idempotency_key(conn: asyncpg.Connection, key: str, request_hash: str, order_id: UUID) -> asyncpg.Record:
    """Insert the key or return the existing claim (waits for a concurrent claimer to commit)."""
    inserted = await conn.fetchrow(
        "INSERT INTO idempotency_requests (key, request_hash, order_id) VALUES ($1, $2, $3)"
        " ON CONFLICT (key) DO NOTHING RETURNING request_hash, order_id, true AS fresh",
        key, request_hash, order_id,
    )
    return inserted or await conn.fetchrow(
        "SELECT request_hash, order_id, false AS fresh FROM idempotency_requests WHERE key = $1", key
    )


async def get_order(conn: asyncpg.Connection, order_id: UUID) -> dict | None:
    row = await conn.fetchrow("SELECT * FROM orders WHERE order_id = $1", order_id)
    if row is None:
        return None
    items = await conn.fetch(
        "SELECT product_id, quantity, unit_price FROM order_items WHERE order_id = $1 ORDER BY line_no", order_id
    )
    history = await conn.fetch(
        "SELECT status, event_type, event_id, applied, note, at FROM order_history WHERE order_id = $1 ORDER BY id",
        order_id,
    )
    return {**dict(row), "items": [dict(i) for i in items], "history": [dict(h) for h in history]}


def encode_cursor(created_at: datetime, order_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{order_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    """Raises ValueError for anything that is not a cursor this API handed out."""
    at, oid = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
    return datetime.fromisoformat(at), UUID(oid)


async def list_orders(
    conn: asyncpg.Connection, status: str | None, limit: int, after: tuple[datetime, UUID] | None
) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT order_id, customer_id, status, total_amount, tracking_code, created_at, updated_at FROM orders"
        " WHERE ($1::text IS NULL OR status = $1)"
        " AND ($2::timestamptz IS NULL OR (created_at, order_id) < ($2, $3))"
        " ORDER BY created_at DESC, order_id DESC LIMIT $4",
        status, after[0] if after else None, after[1] if after else None, limit,
    )
