"""Demo data: products 00000000-0000-0000-0000-00000000000{1..5} with 100 units, created only if missing.

Run with `python -m inventory.seed` (make up does); it migrates the database first.
"""

import asyncio
from uuid import UUID

from inventory.app import SPEC
from inventory.settings import InventorySettings
from inventory.stock import repository
from runtime.db import prepare_database

DEMO_PRODUCTS = {UUID(int=n): (f"Demo product {n}", 100) for n in range(1, 6)}


async def seed(settings: InventorySettings) -> int:
    pool = await prepare_database(settings, *SPEC.schema)
    try:
        async with pool.acquire() as conn:
            return await repository.create_products_if_missing(conn, DEMO_PRODUCTS, "demo seed")
    finally:
        await pool.close()


def main() -> None:
    created = asyncio.run(seed(InventorySettings()))
    print(f"demo products: {created} created, {len(DEMO_PRODUCTS) - created} already there")


if __name__ == "__main__":
    main()
