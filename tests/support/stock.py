"""Stock for e2e tests. There is no stock admin API to call yet, so products are created directly in
the stack's inventory database, through the same repository function (and movements ledger) the demo
seed uses, and their availability is put in Redis the way inventory's projection does after a commit
(the checker compares the two). Switching to `PUT /inventory/{id}` later changes this module only."""

from collections.abc import Mapping
from uuid import UUID, uuid4

import asyncpg
import redis.asyncio as redis

from inventory.cache import encode, stock_key
from inventory.repository import Snapshot, create_products_if_missing
from tests.support.supervisor import Stack


async def add_products(stack: Stack, products: Mapping[UUID, int], reason: str = "e2e test stock") -> None:
    """Create each product with that many units; a product that exists already is an error."""
    ids = list(products)
    conn = await asyncpg.connect(stack.database_url("inventory"), timeout=10)
    try:
        created = await create_products_if_missing(
            conn, {p: (f"Test product {p}", units) for p, units in products.items()}, reason
        )
        rows = await conn.fetch(
            "SELECT product_id, on_hand, reserved, version FROM products WHERE product_id = ANY($1::uuid[])", ids
        )
    finally:
        await conn.close()
    assert created == len(products), f"only {created} of {len(products)} products were new"
    client = redis.from_url(stack.targets.redis_url, socket_timeout=5)
    try:
        for r in rows:  # nx: never overwrite what the service may have written since
            await client.set(stock_key(stack.redis_prefix, r["product_id"]), encode(Snapshot(**dict(r))), nx=True)
    finally:
        await client.aclose()


async def new_product(stack: Stack, units: int) -> UUID:
    """A fresh product (its own id, so tests sharing a stack never share stock) with `units` units."""
    product_id = uuid4()
    await add_products(stack, {product_id: units})
    return product_id


async def stock_of(stack: Stack, product_id: UUID) -> tuple[int, int]:
    """(on_hand, reserved) as the inventory database has them."""
    conn = await asyncpg.connect(stack.database_url("inventory"), timeout=10)
    try:
        row = await conn.fetchrow("SELECT on_hand, reserved FROM products WHERE product_id = $1", product_id)
    finally:
        await conn.close()
    assert row is not None, f"no product {product_id}"
    return row["on_hand"], row["reserved"]
