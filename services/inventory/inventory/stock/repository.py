"""Inventory's stock SQL: products, stock movements and the ledger. Rows are always locked reservation
first (reservation_repository), then products in product_id order."""

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from events.ledger import DELTAS
from inventory.stock.domain import Stock


@dataclass(frozen=True)
class Snapshot:
    """A product's stock right after a committed change; `version` orders cache writes."""

    product_id: UUID
    on_hand: int
    reserved: int
    version: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


async def lock_products(conn: asyncpg.Connection, product_ids: list[UUID]) -> dict[UUID, Stock]:
    rows = await conn.fetch(
        "SELECT product_id, on_hand, reserved FROM products WHERE product_id = ANY($1::uuid[])"
        " ORDER BY product_id FOR UPDATE",
        product_ids,
    )
    return {r["product_id"]: Stock(r["product_id"], r["on_hand"], r["reserved"]) for r in rows}


@dataclass(frozen=True)
class Movement:
    """One ledger row: `quantity` units of a product moved by `kind` (events.ledger.DELTAS says how)."""

    product_id: UUID
    kind: str
    quantity: int
    order_id: UUID | None = None
    reservation_id: UUID | None = None
    reason: str | None = None


def _deltas(movements: list[Movement]) -> dict[UUID, list[int]]:
    """product_id -> summed (on_hand, reserved, received_total, committed_total) change, product_id order."""
    total: dict[UUID, list[int]] = {}
    for m in movements:
        row = total.setdefault(m.product_id, [0, 0, 0, 0])
        for i, d in enumerate(DELTAS[m.kind]):
            row[i] += m.quantity * d
    return dict(sorted(total.items()))


async def move_stock(conn: asyncpg.Connection, movements: list[Movement]) -> list[Snapshot]:
    """Write the movements to the ledger and apply them to their locked products, in one statement: each
    product is updated once with its summed change (and one version step), whatever the number of rows."""
    deltas = _deltas(movements)
    rows = await conn.fetch(
        "WITH ledger AS (INSERT INTO movements (product_id, kind, quantity, order_id, reservation_id, reason)"
        "  SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::uuid[], $5::uuid[], $6::text[]))"
        " UPDATE products p SET on_hand = p.on_hand + d.on_hand, reserved = p.reserved + d.reserved,"
        " received_total = p.received_total + d.received, committed_total = p.committed_total + d.committed,"
        " version = p.version + 1, updated_at = now()"
        " FROM unnest($7::uuid[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[])"
        "  AS d(product_id, on_hand, reserved, received, committed)"
        " WHERE p.product_id = d.product_id"
        " RETURNING p.product_id, p.on_hand, p.reserved, p.version",
        [m.product_id for m in movements],
        [m.kind for m in movements],
        [m.quantity for m in movements],
        [m.order_id for m in movements],
        [m.reservation_id for m in movements],
        [m.reason for m in movements],
        list(deltas),
        *([d[i] for d in deltas.values()] for i in range(4)),
    )
    return [Snapshot(r["product_id"], r["on_hand"], r["reserved"], r["version"]) for r in rows]


async def create_products_if_missing(
    conn: asyncpg.Connection, products: Mapping[UUID, tuple[str, int]], reason: str
) -> int:
    """Insert products that do not exist yet with their initial stock, received through the ledger."""
    return await conn.fetchval(
        "WITH new AS (INSERT INTO products (product_id, name, on_hand, received_total)"
        " SELECT d.product_id, d.name, d.q, d.q FROM unnest($1::uuid[], $2::text[], $3::bigint[])"
        " AS d(product_id, name, q) ON CONFLICT (product_id) DO NOTHING RETURNING product_id, on_hand),"
        " moved AS (INSERT INTO movements (product_id, kind, quantity, reason)"
        " SELECT product_id, 'receive', on_hand, $4 FROM new)"
        " SELECT count(*) FROM new",
        list(products),
        [n for n, _ in products.values()],
        [q for _, q in products.values()],
        reason,
    )


async def insert_product(
    conn: asyncpg.Connection, product_id: UUID, name: str, quantity: int
) -> Snapshot | None:
    """Create a product with its initial stock received through the ledger; None if it exists."""
    row = await conn.fetchrow(
        "WITH new AS (INSERT INTO products (product_id, name, on_hand, received_total) VALUES ($1, $2, $3, $3)"
        " ON CONFLICT (product_id) DO NOTHING RETURNING product_id, on_hand, reserved, version),"
        " moved AS (INSERT INTO movements (product_id, kind, quantity, reason)"
        " SELECT product_id, 'receive', on_hand, 'created' FROM new WHERE on_hand > 0)"
        " SELECT * FROM new",
        product_id,
        name,
        quantity,
    )
    return (
        None if row is None else Snapshot(row["product_id"], row["on_hand"], row["reserved"], row["version"])
    )


async def rename_product(conn: asyncpg.Connection, product_id: UUID, name: str) -> None:
    await conn.execute("UPDATE products SET name = $2 WHERE product_id = $1 AND name <> $2", product_id, name)
