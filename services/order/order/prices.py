"""Order's SQL for its copy of the prices (product_prices, kept from inventory.price_changed)."""

from collections.abc import Mapping
from decimal import Decimal
from uuid import UUID

import asyncpg

from order.pricing import Price


async def current(conn: asyncpg.Connection, product_ids: list[UUID]) -> tuple[dict[UUID, Decimal], bool]:
    """The prices of `product_ids`, and whether any price is known at all (the catalogue is known), in
    one indexed query: the extra row (NULL, NULL) is there only when the table has a row."""
    rows = await conn.fetch(
        "SELECT product_id, price FROM product_prices WHERE product_id = ANY($1::uuid[])"
        " UNION ALL (SELECT NULL, NULL FROM product_prices LIMIT 1)",
        product_ids,
    )
    return {r["product_id"]: r["price"] for r in rows if r["product_id"] is not None}, bool(rows)


async def lock_versions(conn: asyncpg.Connection, product_ids: list[UUID]) -> dict[UUID, int]:
    """The kept versions of the products, their rows locked in product id order (after the orders a
    batch locks: handlers.apply_events); products with no price yet are left out."""
    rows = await conn.fetch(
        "SELECT product_id, version FROM product_prices WHERE product_id = ANY($1::uuid[])"
        " ORDER BY product_id FOR UPDATE",
        product_ids,
    )
    return {r["product_id"]: r["version"] for r in rows}


async def save(conn: asyncpg.Connection, prices: Mapping[UUID, Price]) -> None:
    """Insert or update the prices, in product id order; a row is only ever replaced by a newer version
    (so two batches racing on a product's first price still keep the newest)."""
    ordered = sorted(prices.items())
    await conn.execute(
        "INSERT INTO product_prices (product_id, price, version, event_id)"
        " SELECT * FROM unnest($1::uuid[], $2::numeric[], $3::bigint[], $4::uuid[])"
        " ON CONFLICT (product_id) DO UPDATE SET price = EXCLUDED.price, version = EXCLUDED.version,"
        " event_id = EXCLUDED.event_id, updated_at = clock_timestamp()"
        " WHERE product_prices.version < EXCLUDED.version",
        [p for p, _ in ordered],
        [x.price for _, x in ordered],
        [x.version for _, x in ordered],
        [x.event_id for _, x in ordered],
    )
