"""Seeding the scenario's products: through the inventory ledger (a receive movement each)."""

from collections.abc import Mapping
from uuid import UUID

import asyncpg

from inventory.repository import create_products_if_missing


async def seed_products(inventory_db: str, products: Mapping[UUID, tuple[str, int]]) -> int:
    conn = await asyncpg.connect(inventory_db, timeout=10)
    try:
        return await create_products_if_missing(conn, products, "benchmark seed")
    finally:
        await conn.close()
