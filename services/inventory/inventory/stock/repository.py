"""Inventory's stock SQL: products, their stock per warehouse, stock movements and the ledger. Rows are
always locked reservations first (reservation_repository: several in reservation_id order), then
products in product_id order; a product's lock covers its warehouse rows (every writer takes it first)."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from events.ledger import DELTAS
from inventory.stock.domain import Place, Stock
from stockcache import WarehouseEntry

DEFAULT_WAREHOUSE = "main"  # where a request that names no warehouse goes (migration 0002 creates it)


@dataclass(frozen=True)
class Snapshot:
    """A product's stock (and price) right after a committed change; `version` orders cache writes."""

    product_id: UUID
    on_hand: int
    reserved: int
    version: int
    warehouses: tuple[WarehouseEntry, ...]  # in warehouse id order
    price: Decimal | None  # None: not for sale until priced

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


# a product's warehouses as three arrays in warehouse id order, for Snapshot (alias s: the stock table)
WAREHOUSE_ARRAYS = (
    "array_agg(s.warehouse_id ORDER BY s.warehouse_id) AS w_ids,"
    " array_agg(s.on_hand ORDER BY s.warehouse_id) AS w_on_hand,"
    " array_agg(s.reserved ORDER BY s.warehouse_id) AS w_reserved"
)


def snapshot(row: Mapping[str, Any]) -> Snapshot:
    places = zip(row["w_ids"], row["w_on_hand"], row["w_reserved"], strict=True)
    return Snapshot(
        row["product_id"],
        row["on_hand"],
        row["reserved"],
        row["version"],
        tuple(WarehouseEntry(w, h, r) for w, h, r in places),
        row["price"],
    )


async def lock_products(conn: asyncpg.Connection, product_ids: list[UUID]) -> dict[UUID, Stock]:
    """Lock the products (product_id order) and their warehouse rows; unknown ids are left out."""
    rows = await conn.fetch(
        "SELECT p.product_id, s.warehouse_id, w.priority, s.on_hand, s.reserved"
        " FROM products p JOIN stock s USING (product_id) JOIN warehouses w USING (warehouse_id)"
        " WHERE p.product_id = ANY($1::uuid[]) ORDER BY p.product_id, s.warehouse_id FOR UPDATE OF p, s",
        product_ids,
    )
    stock: dict[UUID, Stock] = {}
    for r in rows:
        places = stock.setdefault(r["product_id"], Stock(r["product_id"], {})).places
        places[r["warehouse_id"]] = Place(r["warehouse_id"], r["priority"], r["on_hand"], r["reserved"])
    return stock


@dataclass(frozen=True)
class Movement:
    """One ledger row: `quantity` units of a product moved by `kind` in a warehouse (events.ledger.DELTAS
    says how)."""

    product_id: UUID
    warehouse_id: str
    kind: str
    quantity: int
    order_id: UUID | None = None
    reservation_id: UUID | None = None
    reason: str | None = None
    reference: str | None = None


def _deltas(movements: list[Movement], key: Any) -> dict[Any, list[int]]:
    """key(m) -> summed (on_hand, reserved, received_total, committed_total) change, in key order."""
    total: dict[Any, list[int]] = {}
    for m in movements:
        row = total.setdefault(key(m), [0, 0, 0, 0])
        for i, d in enumerate(DELTAS[m.kind]):
            row[i] += m.quantity * d
    return dict(sorted(total.items()))


async def move_stock(conn: asyncpg.Connection, movements: list[Movement]) -> list[Snapshot]:
    """Write the movements to the ledger and apply them to their locked products and warehouse rows, in
    one statement: each product and each warehouse row is updated once with its summed change (and the
    product one version step), whatever the number of rows. The warehouse rows must exist."""
    places = _deltas(movements, lambda m: (m.product_id, m.warehouse_id))
    products = _deltas(movements, lambda m: m.product_id)
    rows = await conn.fetch(
        "WITH ledger AS (INSERT INTO movements"
        "  (product_id, warehouse_id, kind, quantity, order_id, reservation_id, reason, reference)"
        "  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::uuid[], $6::uuid[],"
        "  $7::text[], $8::text[])),"
        " ws AS (UPDATE stock s SET on_hand = s.on_hand + d.on_hand, reserved = s.reserved + d.reserved,"
        "  received_total = s.received_total + d.received, committed_total = s.committed_total + d.committed,"
        "  updated_at = now()"
        "  FROM unnest($9::uuid[], $10::text[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[])"
        "  AS d(product_id, warehouse_id, on_hand, reserved, received, committed)"
        "  WHERE s.product_id = d.product_id AND s.warehouse_id = d.warehouse_id"
        "  RETURNING s.product_id, s.warehouse_id, s.on_hand, s.reserved),"
        " p AS (UPDATE products p SET on_hand = p.on_hand + d.on_hand, reserved = p.reserved + d.reserved,"
        "  received_total = p.received_total + d.received, committed_total = p.committed_total + d.committed,"
        "  version = p.version + 1, updated_at = now()"
        "  FROM unnest($15::uuid[], $16::bigint[], $17::bigint[], $18::bigint[], $19::bigint[])"
        "  AS d(product_id, on_hand, reserved, received, committed)"
        "  WHERE p.product_id = d.product_id RETURNING p.product_id, p.on_hand, p.reserved, p.version, p.price),"
        # each product's warehouses after the change: the rows updated here, and the others as they are
        " after_change AS (SELECT * FROM ws UNION ALL"
        "  SELECT s.product_id, s.warehouse_id, s.on_hand, s.reserved FROM stock s"
        "  WHERE s.product_id = ANY($15::uuid[]) AND (s.product_id, s.warehouse_id) NOT IN"
        "  (SELECT product_id, warehouse_id FROM ws))"
        f" SELECT p.product_id, p.on_hand, p.reserved, p.version, p.price, {WAREHOUSE_ARRAYS} FROM p"
        " JOIN after_change s USING (product_id) GROUP BY p.product_id, p.on_hand, p.reserved, p.version, p.price",
        *(
            [getattr(m, f) for m in movements]
            for f in (
                "product_id",
                "warehouse_id",
                "kind",
                "quantity",
                "order_id",
                "reservation_id",
                "reason",
                "reference",
            )
        ),
        [p for p, _ in places],
        [w for _, w in places],
        *([d[i] for d in places.values()] for i in range(4)),
        list(products),
        *([d[i] for d in products.values()] for i in range(4)),
    )
    return [snapshot(r) for r in rows]


async def create_products_if_missing(
    conn: asyncpg.Connection, products: Mapping[UUID, tuple[str, int]], reason: str
) -> int:
    """Insert products that do not exist yet with their initial stock in the default warehouse, received
    through the ledger."""
    return await conn.fetchval(
        "WITH new AS (INSERT INTO products (product_id, name, on_hand, received_total)"
        " SELECT d.product_id, d.name, d.q, d.q FROM unnest($1::uuid[], $2::text[], $3::bigint[])"
        " AS d(product_id, name, q) ON CONFLICT (product_id) DO NOTHING RETURNING product_id, on_hand),"
        " placed AS (INSERT INTO stock (product_id, warehouse_id, on_hand, received_total)"
        " SELECT product_id, $5, on_hand, on_hand FROM new),"
        " moved AS (INSERT INTO movements (product_id, warehouse_id, kind, quantity, reason)"
        " SELECT product_id, $5, 'receive', on_hand, $4 FROM new)"
        " SELECT count(*) FROM new",
        list(products),
        [n for n, _ in products.values()],
        [q for _, q in products.values()],
        reason,
        DEFAULT_WAREHOUSE,
    )


async def insert_product(
    conn: asyncpg.Connection,
    product_id: UUID,
    name: str,
    warehouse_id: str,
    quantity: int,
    price: Decimal | None = None,
) -> Snapshot | None:
    """Create a product with its initial stock in `warehouse_id`, received through the ledger, and its
    price (if any); None if the product exists."""
    row = await conn.fetchrow(
        "WITH new AS (INSERT INTO products (product_id, name, on_hand, received_total, price)"
        " VALUES ($1, $2, $3, $3, $5)"
        " ON CONFLICT (product_id) DO NOTHING RETURNING product_id, on_hand, reserved, version, price),"
        " placed AS (INSERT INTO stock (product_id, warehouse_id, on_hand, received_total)"
        " SELECT product_id, $4, on_hand, on_hand FROM new),"
        " moved AS (INSERT INTO movements (product_id, warehouse_id, kind, quantity, reason)"
        " SELECT product_id, $4, 'receive', on_hand, 'created' FROM new WHERE on_hand > 0)"
        " SELECT product_id, on_hand, reserved, version, price, array[$4] AS w_ids, array[on_hand] AS w_on_hand,"
        " array[reserved] AS w_reserved FROM new",
        product_id,
        name,
        quantity,
        warehouse_id,
        price,
    )
    return None if row is None else snapshot(row)


async def add_places(conn: asyncpg.Connection, places: list[tuple[UUID, str]]) -> int:
    """Stock rows (zero units) for (product, warehouse) pairs that have none, so movements can go there;
    the products must be locked. Their products move a version on (the cache shows the new warehouse).
    Returns how many were added."""
    return await conn.fetchval(
        "WITH added AS (INSERT INTO stock (product_id, warehouse_id, on_hand)"
        "  SELECT product_id, warehouse_id, 0 FROM unnest($1::uuid[], $2::text[]) AS d(product_id, warehouse_id)"
        "  ORDER BY product_id, warehouse_id ON CONFLICT DO NOTHING RETURNING product_id),"
        " bumped AS (UPDATE products SET version = version + 1, updated_at = now()"
        "  WHERE product_id IN (SELECT product_id FROM added))"
        " SELECT count(*) FROM added",
        [p for p, _ in places],
        [w for _, w in places],
    )


async def rename_product(conn: asyncpg.Connection, product_id: UUID, name: str) -> None:
    await conn.execute("UPDATE products SET name = $2 WHERE product_id = $1 AND name <> $2", product_id, name)


async def price_if_unpriced(conn: asyncpg.Connection, prices: Mapping[UUID, Decimal]) -> dict[UUID, int]:
    """Price the products that have no price yet (product id order); returns their new versions."""
    ordered = sorted(prices.items())
    rows = await conn.fetch(
        "UPDATE products p SET price = d.price, version = p.version + 1, updated_at = now()"
        " FROM unnest($1::uuid[], $2::numeric[]) AS d(product_id, price)"
        " WHERE p.product_id = d.product_id AND p.price IS NULL RETURNING p.product_id, p.version",
        [p for p, _ in ordered],
        [x for _, x in ordered],
    )
    return {r["product_id"]: r["version"] for r in rows}


async def current_prices(
    conn: asyncpg.Connection, product_ids: list[UUID]
) -> dict[UUID, tuple[Decimal, int]]:
    """The price and version of each of these products that has a price."""
    rows = await conn.fetch(
        "SELECT product_id, price, version FROM products WHERE product_id = ANY($1::uuid[]) AND price IS NOT NULL",
        product_ids,
    )
    return {r["product_id"]: (r["price"], r["version"]) for r in rows}


async def set_price(conn: asyncpg.Connection, product_id: UUID, price: Decimal) -> int | None:
    """Set the product's price if it is another (the product moves a version on, so the cache takes it);
    returns the new version, or None when the price was that already (or there is no such product)."""
    return await conn.fetchval(
        "UPDATE products SET price = $2, version = version + 1, updated_at = now()"
        " WHERE product_id = $1 AND price IS DISTINCT FROM $2 RETURNING version",
        product_id,
        price,
    )
