"""Seeding the scenario's products through `PUT /inventory/{id}` (the stock admin API, which also fills
the availability cache). An inventory without that API gets them through its ledger in the database,
as the demo seed does."""

import asyncio
from collections.abc import Mapping
from uuid import UUID

import aiohttp
import asyncpg

from inventory.stock.repository import create_products_if_missing

PARALLEL_PUTS = 8


async def seed_products(
    inventory_url: str, inventory_db: str, products: Mapping[UUID, tuple[str, int]], token: str
) -> str:
    """Returns how they were seeded: "api" or "database". `token`: an operator's (inventory:write)."""
    items = list(products.items())
    auth = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30), headers=auth) as http:

        async def put(product_id: UUID, name: str, units: int) -> int:
            body = {"name": name, "quantity": units}
            async with http.put(f"{inventory_url}/inventory/{product_id}", json=body) as r:
                if r.status not in (200, 201, 404, 405):
                    raise RuntimeError(f"PUT /inventory/{product_id}: {r.status} {await r.text()}")
                return r.status

        first_id, (first_name, first_units) = items[0]
        if await put(first_id, first_name, first_units) in (404, 405):
            await _through_database(inventory_db, products)
            return "database"
        gate = asyncio.Semaphore(PARALLEL_PUTS)

        async def gated(product_id: UUID, name: str, units: int) -> int:
            async with gate:
                return await put(product_id, name, units)

        await asyncio.gather(*(gated(p, n, u) for p, (n, u) in items[1:]))
    return "api"


async def _through_database(inventory_db: str, products: Mapping[UUID, tuple[str, int]]) -> None:
    conn = await asyncpg.connect(inventory_db, timeout=10)
    try:
        await create_products_if_missing(conn, products, "benchmark seed")
    finally:
        await conn.close()
