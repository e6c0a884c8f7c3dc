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
    expires_at = await conn.fetchval(
        "INSERT INTO reservations (reservation_id, order_id, status, expires_at)"
        " VALUES ($1, $2, 'ACTIVE', now() + make_interval(secs => $3)) RETURNING expires_at",
        reservation_id, order_id, ttl_s,
    )
    await conn.execute(
        "INSERT INTO reservation_items (reservation_id, product_id, quantity)"
        " SELECT $1, d.product_id, d.q FROM unnest($2::uuid[], $3::bigint[]) AS d(product_id, q)",
        reservation_id, list(quantities), list(quantities.values()),
    )
    return expires_at


async def reservation_exists(conn: asyncpg.Connection, order_id: UUID) -> bool:
    return bool(await conn.fetchval("SELECT true FROM reservations WHERE order_id = $1", order_id))


@dataclass(frozen=True)
class Reservation:
    reservation_id: UUID
    order_id: UUID
    status: str
    quantities: dict[UUID, int]


async def _items(conn: asyncpg.Connection, reservation_id: UUID) -> dict[UUID, int]:
    rows = await conn.fetch(
        "SELECT product_id, quantity FROM reservation_items WHERE reservation_id = $1 ORDER BY product_id",
        reservation_id,
    )
    return {r["product_id"]: r["quantity"] for r in rows}


async def lock_reservation(conn: asyncpg.Connection, order_id: UUID) -> Reservation | None:
    row = await conn.fetchrow(
        "SELECT reservation_id, order_id, status FROM reservations WHERE order_id = $1 FOR UPDATE",
        order_id,
    )
    if row is None:
        return None
    return Reservation(**dict(row), quantities=await _items(conn, row["reservation_id"]))


async def is_due(conn: asyncpg.Connection, reservation_id: UUID) -> bool:
    """Has the reservation expired, by the database clock now (this statement, not the transaction start)?"""
    return await conn.fetchval(
        "SELECT expires_at <= statement_timestamp() FROM reservations WHERE reservation_id = $1", reservation_id
    )


async def claim_due(conn: asyncpg.Connection, limit: int, reservation_ids: list[UUID] | None = None) -> list[Reservation]:
    """Lock due, still active reservations that no other sweeper holds (SKIP LOCKED)."""
    rows = await conn.fetch(
        "SELECT reservation_id, order_id, status FROM reservations"
        " WHERE status = 'ACTIVE' AND expires_at <= statement_timestamp()"
        " AND ($2::uuid[] IS NULL OR reservation_id = ANY($2::uuid[]))"
        " ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED",
        limit, reservation_ids,
    )
    return [Reservation(**dict(r), quantities=await _items(conn, r["reservation_id"])) for r in rows]


async def set_status(conn: asyncpg.Connection, reservation_id: UUID, status: str) -> None:
    await conn.execute(
        "UPDATE reservations SET status = $2, decided_at = now() WHERE reservation_id = $1",
        reservation_id, status,
    )
