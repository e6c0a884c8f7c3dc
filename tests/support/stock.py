"""Stock for e2e tests, created as an operator would: `PUT /inventory/{id}` on the stack's inventory
service (so the ledger, the database and the Redis cache all learn of it at once)."""

import asyncio
from collections.abc import Mapping
from uuid import UUID, uuid4

import aiohttp
import asyncpg

from stack.supervisor import Stack


async def add_products(stack: Stack, products: Mapping[UUID, int]) -> None:
    """Create each product with that many units; a product that exists already is an error."""
    headers = stack.tokens.headers()  # an operator's token
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30), headers=headers) as http:

        async def put(product_id: UUID, units: int) -> None:
            body = {"name": f"Test product {product_id}", "quantity": units}
            async with http.put(f"{stack.url('inventory')}/inventory/{product_id}", json=body) as r:
                assert r.status == 201, f"PUT /inventory/{product_id}: {r.status} {await r.text()}"

        await asyncio.gather(*(put(p, units) for p, units in products.items()))


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


def stock_view(product_id: UUID, on_hand: int, reserved: int = 0) -> dict:
    """GET /inventory/{id}'s answer for a product stocked in the default warehouse only."""
    figures = {"on_hand": on_hand, "reserved": reserved, "available": on_hand - reserved}
    return {"product_id": str(product_id), **figures, "warehouses": [{"warehouse_id": "main", **figures}]}
