"""Inventory's stock SQL: products, stock movements and the ledger. Rows are always locked reservation
first (reservation_repository), then products in product_id order."""

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from inventory.domain import Stock

# kind -> (on_hand, reserved, received_total, committed_total) per unit moved
DELTAS: dict[str, tuple[int, int, int, int]] = {
    "receive": (1, 0, 1, 0),
    "adjust": (1, 0, 1, 0),
    "reserve": (0, 1, 0, 0),
    "release": (0, -1, 0, 0),
    "expire": (0, -1, 0, 0),
    "commit": (-1, -1, 0, 1),
}


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


async def move_stock(
    conn: asyncpg.Connection, kind: str, quantities: Mapping[UUID, int], *,
    order_id: UUID | None = None, reservation_id: UUID | None = None, reason: str | None = None,
) -> list[Snapshot]:
    """Apply one kind of movement to locked products and write it to the ledger, in one statement."""
    ids = sorted(quantities)
    qty = [quantities[p] for p in ids]
    d_hand, d_res, d_recv, d_comm = DELTAS[kind]
    rows = await conn.fetch(
        "WITH d AS (SELECT * FROM unnest($1::uuid[], $6::bigint[]) AS d(product_id, q)),"
        " ledger AS (INSERT INTO movements (product_id, kind, quantity, order_id, reservation_id, reason)"
        "  SELECT d.product_id, $7, d.q, $8, $9, $10 FROM d)"
        " UPDATE products p SET on_hand = p.on_hand + d.q * $2, reserved = p.reserved + d.q * $3,"
        " received_total = p.received_total + d.q * $4, committed_total = p.committed_total + d.q * $5,"
        " version = p.version + 1, updated_at = now()"
        " FROM d WHERE p.product_id = d.product_id"
        " RETURNING p.product_id, p.on_hand, p.reserved, p.version",
        ids, d_hand, d_res, d_recv, d_comm, qty, kind, order_id, reservation_id, reason,
    )
    return [Snapshot(r["product_id"], r["on_hand"], r["reserved"], r["version"]) for r in rows]


async def create_products_if_missing(conn: asyncpg.Connection, products: Mapping[UUID, tuple[str, int]], reason: str) -> int:
    """Insert products that do not exist yet with their initial stock, received through the ledger."""
    return await conn.fetchval(
        "WITH new AS (INSERT INTO products (product_id, name, on_hand, received_total)"
        " SELECT d.product_id, d.name, d.q, d.q FROM unnest($1::uuid[], $2::text[], $3::bigint[])"
        " AS d(product_id, name, q) ON CONFLICT (product_id) DO NOTHING RETURNING product_id, on_hand),"
        " moved AS (INSERT INTO movements (product_id, kind, quantity, reason)"
        " SELECT product_id, 'receive', on_hand, $4 FROM new)"
        " SELECT count(*) FROM new",
        list(products), [n for n, _ in products.values()], [q for _, q in products.values()], reason,
    )


async def insert_product(conn: asyncpg.Connection, product_id: UUID, name: str, quantity: int) -> Snapshot | None:
    """Create a product with its initial stock received through the ledger; None if it exists."""
    row = await conn.fetchrow(
        "WITH new AS (INSERT INTO products (product_id, name, on_hand, received_total) VALUES ($1, $2, $3, $3)"
        " ON CONFLICT (product_id) DO NOTHING RETURNING product_id, on_hand, reserved, version),"
        " moved AS (INSERT INTO movements (product_id, kind, quantity, reason)"
        " SELECT product_id, 'receive', on_hand, 'created' FROM new WHERE on_hand > 0)"
        " SELECT * FROM new",
        product_id, name, quantity,
    )
    return None if row is None else Snapshot(row["product_id"], row["on_hand"], row["reserved"], row["version"])


async def rename_product(conn: asyncpg.Connection, product_id: UUID, name: str) -> None:
    await conn.execute("UPDATE products SET name = $2 WHERE product_id = $1 AND name <> $2", product_id, name)
