"""Inventory's reservation SQL: create, lock, claim when due, settle, each for many reservations in one
statement. A reservation row is always locked before its products, and whoever holds its lock decides
its fate."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class Reservation:
    reservation_id: UUID
    order_id: UUID
    status: str
    quantities: dict[UUID, int]  # product_id order


async def create_reservations(
    conn: asyncpg.Connection, reservations: list[Reservation], ttl_s: float
) -> dict[UUID, datetime]:
    """The reservations (in order id order) and their lines in one statement; returns when each expires."""
    lines = [(r.reservation_id, p, q) for r in reservations for p, q in r.quantities.items()]
    rows = await conn.fetch(
        "WITH r AS (INSERT INTO reservations (reservation_id, order_id, status, expires_at)"
        "  SELECT d.reservation_id, d.order_id, 'ACTIVE', now() + make_interval(secs => $3)"
        "  FROM unnest($1::uuid[], $2::uuid[]) AS d(reservation_id, order_id) RETURNING reservation_id, expires_at),"
        " i AS (INSERT INTO reservation_items (reservation_id, product_id, quantity)"
        "  SELECT * FROM unnest($4::uuid[], $5::uuid[], $6::bigint[]))"
        " SELECT reservation_id, expires_at FROM r",
        [r.reservation_id for r in reservations],
        [r.order_id for r in reservations],
        ttl_s,
        [r for r, _, _ in lines],
        [p for _, p, _ in lines],
        [q for _, _, q in lines],
    )
    return {r["reservation_id"]: r["expires_at"] for r in rows}


# reservation rows with their lines (product_id order), read through the items' primary key
_WITH_ITEMS = (
    "SELECT r.reservation_id, r.order_id, r.status,"
    " ARRAY(SELECT array[i.product_id::text, i.quantity::text] FROM reservation_items i"
    "  WHERE i.reservation_id = r.reservation_id ORDER BY i.product_id) AS items FROM reservations r"
)


def _reservation(row: asyncpg.Record) -> Reservation:
    return Reservation(
        row["reservation_id"], row["order_id"], row["status"], {UUID(p): int(q) for p, q in row["items"]}
    )


async def lock_reservations(conn: asyncpg.Connection, order_ids: list[UUID]) -> dict[UUID, Reservation]:
    """Lock the orders' reservations, in order id order; order_id -> reservation, for those that have one."""
    rows = await conn.fetch(
        f"{_WITH_ITEMS} WHERE r.order_id = ANY($1::uuid[]) ORDER BY r.order_id FOR UPDATE OF r", order_ids
    )
    return {r["order_id"]: _reservation(r) for r in rows}


async def due_among(conn: asyncpg.Connection, reservation_ids: list[UUID]) -> set[UUID]:
    """Which have expired, by the database clock now (this statement, not the transaction start)?"""
    rows = await conn.fetch(
        "SELECT reservation_id FROM reservations WHERE reservation_id = ANY($1::uuid[])"
        " AND expires_at <= statement_timestamp()",
        reservation_ids,
    )
    return {r["reservation_id"] for r in rows}


async def claim_due(
    conn: asyncpg.Connection, limit: int, reservation_ids: list[UUID] | None = None
) -> list[Reservation]:
    """Lock due, still active reservations that no other sweeper holds (SKIP LOCKED)."""
    rows = await conn.fetch(
        f"{_WITH_ITEMS} WHERE r.status = 'ACTIVE' AND r.expires_at <= statement_timestamp()"
        " AND ($2::uuid[] IS NULL OR r.reservation_id = ANY($2::uuid[]))"
        " ORDER BY r.expires_at LIMIT $1 FOR UPDATE OF r SKIP LOCKED",
        limit,
        reservation_ids,
    )
    return [_reservation(r) for r in rows]


async def set_statuses(conn: asyncpg.Connection, statuses: dict[UUID, str]) -> None:
    """reservation_id -> its new status, one statement for all."""
    await conn.execute(
        "UPDATE reservations r SET status = d.status, decided_at = now()"
        " FROM unnest($1::uuid[], $2::text[]) AS d(reservation_id, status) WHERE r.reservation_id = d.reservation_id",
        list(statuses),
        list(statuses.values()),
    )
