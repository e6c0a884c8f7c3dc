"""Inventory's reservation SQL: create, lock, claim when due, settle, each for many reservations in one
statement. A reservation row is always locked before its products, and whoever holds its lock decides
its fate."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from inventory.stock.domain import Pick, quantities


@dataclass(frozen=True)
class Reservation:
    """An order's reservation, or a hold (origin "hold"; no order until one claims it)."""

    reservation_id: UUID
    order_id: UUID | None
    status: str
    picks: tuple[Pick, ...]  # its lines, each from one warehouse; product_id order
    origin: str = "order"

    @property
    def quantities(self) -> dict[UUID, int]:
        """Units per product, whichever warehouses they come from."""
        return quantities((p.product_id, p.quantity) for p in self.picks)


async def create_reservations(
    conn: asyncpg.Connection, reservations: list[Reservation], ttl_s: list[float]
) -> dict[UUID, datetime]:
    """The reservations and their lines in one statement, each expiring `ttl_s` (one per reservation)
    from now; returns when each expires."""
    lines = [(r.reservation_id, p) for r in reservations for p in r.picks]
    rows = await conn.fetch(
        "WITH r AS (INSERT INTO reservations (reservation_id, order_id, origin, status, expires_at)"
        "  SELECT d.reservation_id, d.order_id, d.origin, 'ACTIVE', now() + make_interval(secs => d.ttl)"
        "  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::float8[]) AS d(reservation_id, order_id, origin, ttl)"
        "  RETURNING reservation_id, expires_at),"
        " i AS (INSERT INTO reservation_items (reservation_id, product_id, warehouse_id, quantity)"
        "  SELECT * FROM unnest($5::uuid[], $6::uuid[], $7::text[], $8::bigint[]))"
        " SELECT reservation_id, expires_at FROM r",
        [r.reservation_id for r in reservations],
        [r.order_id for r in reservations],
        [r.origin for r in reservations],
        ttl_s,
        [r for r, _ in lines],
        [p.product_id for _, p in lines],
        [p.warehouse_id for _, p in lines],
        [p.quantity for _, p in lines],
    )
    return {r["reservation_id"]: r["expires_at"] for r in rows}


# reservation rows with their lines (product_id, then warehouse order), read through the items' primary key
_WITH_ITEMS = (
    "SELECT r.reservation_id, r.order_id, r.status, r.origin,"
    " ARRAY(SELECT array[i.product_id::text, i.warehouse_id, i.quantity::text] FROM reservation_items i"
    "  WHERE i.reservation_id = r.reservation_id ORDER BY i.product_id, i.warehouse_id) AS items"
    " FROM reservations r"
)


def _reservation(row: asyncpg.Record) -> Reservation:
    picks = tuple(Pick(UUID(p), w, int(q)) for p, w, q in row["items"])
    return Reservation(row["reservation_id"], row["order_id"], row["status"], picks, row["origin"])


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
