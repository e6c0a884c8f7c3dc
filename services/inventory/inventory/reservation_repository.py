"""Inventory's reservation SQL: create, lock, claim when due, settle. A reservation row is always locked
before its products, and whoever holds its lock decides its fate."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg


async def create_reservation(
    conn: asyncpg.Connection, reservation_id: UUID, order_id: UUID, ttl_s: float, quantities: Mapping[UUID, int]
) -> datetime:
    """The reservation and its lines in one statement; returns when it expires."""
    return await conn.fetchval(
        "WITH r AS (INSERT INTO reservations (reservation_id, order_id, status, expires_at)"
        "  VALUES ($1, $2, 'ACTIVE', now() + make_interval(secs => $3)) RETURNING expires_at),"
        " i AS (INSERT INTO reservation_items (reservation_id, product_id, quantity)"
        "  SELECT $1, d.product_id, d.q FROM unnest($4::uuid[], $5::bigint[]) AS d(product_id, q))"
        " SELECT expires_at FROM r",
        reservation_id, order_id, ttl_s, list(quantities), list(quantities.values()),
    )


async def reservation_exists(conn: asyncpg.Connection, order_id: UUID) -> bool:
    return bool(await conn.fetchval("SELECT true FROM reservations WHERE order_id = $1", order_id))


@dataclass(frozen=True)
class Reservation:
    reservation_id: UUID
    order_id: UUID
    status: str
    quantities: dict[UUID, int]


# a reservation row with its lines, product_id order
_WITH_ITEMS = (
    "SELECT r.reservation_id, r.order_id, r.status,"
    " ARRAY(SELECT array[i.product_id::text, i.quantity::text] FROM reservation_items i"
    "  WHERE i.reservation_id = r.reservation_id ORDER BY i.product_id) AS items FROM reservations r"
)


def _reservation(row: asyncpg.Record) -> Reservation:
    return Reservation(row["reservation_id"], row["order_id"], row["status"],
                       {UUID(p): int(q) for p, q in row["items"]})


async def lock_reservation(conn: asyncpg.Connection, order_id: UUID) -> Reservation | None:
    row = await conn.fetchrow(f"{_WITH_ITEMS} WHERE r.order_id = $1 FOR UPDATE OF r", order_id)
    return None if row is None else _reservation(row)


async def lock_reservations(conn: asyncpg.Connection, order_ids: list[UUID]) -> set[UUID]:
    """Lock the orders' reservations in order id order; returns the products they hold."""
    rows = await conn.fetch(
        "WITH r AS MATERIALIZED (SELECT reservation_id FROM reservations WHERE order_id = ANY($1::uuid[])"
        " ORDER BY order_id FOR UPDATE)"
        " SELECT DISTINCT product_id FROM reservation_items"
        " WHERE reservation_id = ANY(ARRAY(SELECT reservation_id FROM r))",  # an index scan, not a hash join
        order_ids,
    )
    return {r["product_id"] for r in rows}


async def is_due(conn: asyncpg.Connection, reservation_id: UUID) -> bool:
    """Has the reservation expired, by the database clock now (this statement, not the transaction start)?"""
    return await conn.fetchval(
        "SELECT expires_at <= statement_timestamp() FROM reservations WHERE reservation_id = $1", reservation_id
    )


async def claim_due(conn: asyncpg.Connection, limit: int, reservation_ids: list[UUID] | None = None) -> list[Reservation]:
    """Lock due, still active reservations that no other sweeper holds (SKIP LOCKED)."""
    rows = await conn.fetch(
        f"{_WITH_ITEMS} WHERE r.status = 'ACTIVE' AND r.expires_at <= statement_timestamp()"
        " AND ($2::uuid[] IS NULL OR r.reservation_id = ANY($2::uuid[]))"
        " ORDER BY r.expires_at LIMIT $1 FOR UPDATE OF r SKIP LOCKED",
        limit, reservation_ids,
    )
    return [_reservation(r) for r in rows]


async def set_status(conn: asyncpg.Connection, reservation_id: UUID, status: str) -> None:
    await conn.execute(
        "UPDATE reservations SET status = $2, decided_at = now() WHERE reservation_id = $1",
        reservation_id, status,
    )
