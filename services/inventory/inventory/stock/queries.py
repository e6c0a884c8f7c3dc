"""Read-only SQL: stock snapshots for the API and the cache, the ledger, and reservations for the index."""

from datetime import datetime
from typing import Any, TypeAlias
from uuid import UUID

import asyncpg

from events.ledger import balance_sql
from inventory.stock.repository import WAREHOUSE_ARRAYS, Snapshot, snapshot

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool  # a query runs on either


async def snapshots(conn: Conn, product_ids: list[UUID]) -> dict[UUID, Snapshot]:
    """The products' stock, totals and warehouses read in one statement (one consistent view)."""
    rows = await conn.fetch(
        f"SELECT p.product_id, p.on_hand, p.reserved, p.version, p.price, {WAREHOUSE_ARRAYS}"
        " FROM products p JOIN stock s USING (product_id) WHERE p.product_id = ANY($1::uuid[])"
        " GROUP BY p.product_id",
        product_ids,
    )
    return {r["product_id"]: snapshot(r) for r in rows}


async def product_ids_after(conn: Conn, after: UUID | None, limit: int) -> list[UUID]:
    rows = await conn.fetch(
        "SELECT product_id FROM products WHERE $1::uuid IS NULL OR product_id > $1 ORDER BY product_id LIMIT $2",
        after,
        limit,
    )
    return [r["product_id"] for r in rows]


async def product_exists(conn: Conn, product_id: UUID) -> bool:
    return bool(await conn.fetchval("SELECT true FROM products WHERE product_id = $1", product_id))


async def movements(conn: Conn, product_id: UUID, before_id: int | None, limit: int) -> list[dict[str, Any]]:
    """The product's ledger, newest first, `limit` rows with ids below `before_id`."""
    rows = await conn.fetch(
        "SELECT id, warehouse_id, kind, quantity, order_id, reservation_id, reason, reference, created_at"
        " FROM movements"
        " WHERE product_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
        product_id,
        before_id,
        limit,
    )
    return [dict(r) for r in rows]


async def active_reservations(conn: Conn) -> list[tuple[UUID, datetime]]:
    rows = await conn.fetch("SELECT reservation_id, expires_at FROM reservations WHERE status = 'ACTIVE'")
    return [(r["reservation_id"], r["expires_at"]) for r in rows]


async def active_among(conn: Conn, reservation_ids: list[UUID]) -> set[UUID]:
    rows = await conn.fetch(
        "SELECT reservation_id FROM reservations WHERE reservation_id = ANY($1::uuid[]) AND status = 'ACTIVE'",
        reservation_ids,
    )
    return {r["reservation_id"] for r in rows}


async def ledger_balance(conn: Conn, product_id: UUID, warehouse_id: str | None = None) -> tuple[int, int]:
    """(on_hand, reserved) rebuilt from the movements alone, of the product or of one of its warehouses:
    the audit of the stock rows."""
    row = await conn.fetchrow(
        f"SELECT {balance_sql('on_hand')} AS on_hand, {balance_sql('reserved')} AS reserved"
        " FROM movements WHERE product_id = $1 AND ($2::text IS NULL OR warehouse_id = $2)",
        product_id,
        warehouse_id,
    )
    return row["on_hand"], row["reserved"]
