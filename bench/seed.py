"""Seeding the scenario's products through `PUT /inventory/{id}` (the stock admin API, which also fills
the availability cache) with their prices, then waiting until the order service knows every price (it
learns them from inventory.price_changed; before, it would refuse the orders). An inventory without
that API gets them through its ledger in the database, as the demo seed does, unpriced."""

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from uuid import UUID

import aiohttp
import asyncpg

from inventory.stock.repository import create_products_if_missing
from stack.wait import eventually

PARALLEL_PUTS = 8
PRICES_KNOWN_TIMEOUT_S = 60.0


async def seed_products(
    inventory_url: str,
    inventory_db: str,
    order_db: str,
    products: Mapping[UUID, tuple[str, int, str]],
    token: str,
) -> str:
    """Returns how they were seeded: "api" or "database". `token`: an operator's (inventory:write)."""
    items = list(products.items())
    auth = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30), headers=auth) as http:

        async def put(product_id: UUID, name: str, units: int, price: str) -> int:
            body = {"name": name, "quantity": units, "price": price}
            async with http.put(f"{inventory_url}/inventory/{product_id}", json=body) as r:
                if r.status not in (200, 201, 404, 405):
                    raise RuntimeError(f"PUT /inventory/{product_id}: {r.status} {await r.text()}")
                return r.status

        first_id, first = items[0]
        if await put(first_id, *first) in (404, 405):
            await _through_database(inventory_db, products)
            return "database"
        gate = asyncio.Semaphore(PARALLEL_PUTS)

        async def gated(product_id: UUID, name: str, units: int, price: str) -> int:
            async with gate:
                return await put(product_id, name, units, price)

        await asyncio.gather(*(gated(p, *spec) for p, spec in items[1:]))
    await prices_known(order_db, {p: price for p, (_, _, price) in items})
    return "api"


async def prices_known(order_db: str, prices: Mapping[UUID, str]) -> None:
    """Wait until the order service's copy of the prices holds these (read in its database)."""
    wanted = {p: Decimal(x) for p, x in prices.items()}
    conn = await asyncpg.connect(order_db, timeout=10)
    try:

        async def known() -> bool:
            rows = await conn.fetch(
                "SELECT product_id, price FROM product_prices WHERE product_id = ANY($1::uuid[])",
                list(wanted),
            )
            return {r["product_id"]: r["price"] for r in rows} == wanted

        await eventually(known, PRICES_KNOWN_TIMEOUT_S, 0.05, f"the order service knows {len(wanted)} prices")
    finally:
        await conn.close()


async def _through_database(inventory_db: str, products: Mapping[UUID, tuple[str, int, str]]) -> None:
    conn = await asyncpg.connect(inventory_db, timeout=10)
    try:
        created = {p: (name, units) for p, (name, units, _) in products.items()}
        await create_products_if_missing(conn, created, "benchmark seed")
    finally:
        await conn.close()
