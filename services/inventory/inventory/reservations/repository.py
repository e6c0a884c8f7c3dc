"""Inventory's reservation SQL: create, lock, claim when due, settle, claim a hold for an order, each for
many reservations in one statement. A reservation row is always locked before its products (several in
one statement, in reservation_id order), and whoever holds its lock decides its fate."""

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
    owner: UUID | None = None  # a hold's: the customer whose token created it (None: an order's, or older)

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
        "WITH r AS (INSERT INTO reservations (reservation_id, order_id, origin, status, expires_at, owner)"
        "  SELECT d.reservation_id, d.order_id, d.origin, 'ACTIVE', now() + make_interval(secs => d.ttl), d.owner"
        "  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::float8[], $9::uuid[])"
        "   AS d(reservation_id, order_id, origin, ttl, owner)"
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
        [r.owner for r in reservations],
    )
    return {r["reservation_id"]: r["expires_at"] for r in rows}


# a reservation row's columns (alias r) with its lines (product_id, then warehouse order), read through the
# items' primary key; reservation_of reads them
COLUMNS = (
    "r.reservation_id, r.order_id, r.status, r.origin, r.owner,"
    " ARRAY(SELECT array[i.product_id::text, i.warehouse_id, i.quantity::text] FROM reservation_items i"
    "  WHERE i.reservation_id = r.reservation_id ORDER BY i.product_id, i.warehouse_id) AS items"
)
WITH_ITEMS = f"SELECT {COLUMNS} FROM reservations r"


def reservation_of(row: asyncpg.Record) -> Reservation:
    picks = tuple(Pick(UUID(p), w, int(q)) for p, w, q in row["items"])
    return Reservation(
        row["reservation_id"], row["order_id"], row["status"], picks, row["origin"], row["owner"]
    )


async def lock_reservations(
    conn: asyncpg.Connection, order_ids: list[UUID], hold_ids: list[UUID] | None = None
) -> tuple[dict[UUID, Reservation], dict[UUID, Reservation]]:
    """Lock the orders' reservations and the named holds in one statement, in reservation_id order (the
    one order every locker of several reservations keeps); returns order_id -> its reservation (for the
    orders that have one) and hold_id -> the reservation of that id (for those that exist)."""
    rows = await conn.fetch(
        f"{WITH_ITEMS} WHERE r.order_id = ANY($1::uuid[]) OR r.reservation_id = ANY($2::uuid[])"
        " ORDER BY r.reservation_id FOR UPDATE OF r",
        order_ids,
        hold_ids or [],
    )
    wanted_orders, wanted_holds = set(order_ids), set(hold_ids or ())
    found = [reservation_of(r) for r in rows]
    held = {r.order_id: r for r in found if r.order_id in wanted_orders}
    return held, {r.reservation_id: r for r in found if r.reservation_id in wanted_holds}


async def claim_holds(
    conn: asyncpg.Connection, claims: dict[UUID, UUID], ttl_s: float
) -> dict[UUID, datetime]:
    """hold_id -> the order claiming it, one statement for all: each becomes its order's reservation, kept
    at least `ttl_s` from now; returns when each expires now."""
    rows = await conn.fetch(
        "UPDATE reservations r SET order_id = d.order_id, claimed_at = now(),"
        " expires_at = greatest(r.expires_at, now() + make_interval(secs => $3))"
        " FROM unnest($1::uuid[], $2::uuid[]) AS d(reservation_id, order_id)"
        " WHERE r.reservation_id = d.reservation_id RETURNING r.reservation_id, r.expires_at",
        list(claims),
        list(claims.values()),
        ttl_s,
    )
    return {r["reservation_id"]: r["expires_at"] for r in rows}


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
        f"{WITH_ITEMS} WHERE r.status = 'ACTIVE' AND r.expires_at <= statement_timestamp()"
        " AND ($2::uuid[] IS NULL OR r.reservation_id = ANY($2::uuid[]))"
        " ORDER BY r.expires_at LIMIT $1 FOR UPDATE OF r SKIP LOCKED",
        limit,
        reservation_ids,
    )
    return [reservation_of(r) for r in rows]


async def set_statuses(
    conn: asyncpg.Connection, statuses: dict[UUID, str], references: dict[UUID, str] | None = None
) -> None:
    """reservation_id -> its new status (and, for a hold sold over the counter, its reference), one
    statement for all."""
    refs = references or {}
    await conn.execute(
        "UPDATE reservations r SET status = d.status, decided_at = now(), reference = coalesce(d.ref, r.reference)"
        " FROM unnest($1::uuid[], $2::text[], $3::text[]) AS d(reservation_id, status, ref)"
        " WHERE r.reservation_id = d.reservation_id",
        list(statuses),
        list(statuses.values()),
        [refs.get(r) for r in statuses],
    )
