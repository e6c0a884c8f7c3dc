"""Demo data: products 00000000-0000-0000-0000-00000000000{1..5} with 100 units, created only if missing,
and their prices, set only where a product has none. Every demo product's current price then goes out as
an inventory.price_changed (in the outbox, which the relay publishes once inventory runs), new or not:
the order service applies only what is newer than its copy, so a copy that was lost or never made (an
order database made afresh) is made whole again by the next `make up`.

Run with `python -m inventory.seed` (make up does); it migrates the database first.
"""

import asyncio
from decimal import Decimal
from uuid import UUID

from events import InventoryPriceChanged
from inventory.app import SPEC
from inventory.settings import InventorySettings
from inventory.stock import repository
from inventory.stock.admin import price_changed
from messaging.outbox import Outgoing
from runtime.db import prepare_database

DEMO_PRODUCTS = {UUID(int=n): (f"Demo product {n}", 100) for n in range(1, 6)}
# ...0001 at 49.90 is the README's order; ...0005 at 2500.00 declines from 5 units (above 10000.00)
DEMO_PRICES = {
    UUID(int=n): Decimal(p) for n, p in enumerate(("49.90", "19.99", "5.00", "129.00", "2500.00"), start=1)
}


async def seed(settings: InventorySettings) -> tuple[int, int]:
    """Returns how many products were created and how many were priced."""
    pool = await prepare_database(settings, *SPEC.schema)
    try:
        async with pool.acquire() as conn, conn.transaction():
            created = await repository.create_products_if_missing(conn, DEMO_PRODUCTS, "demo seed")
            if settings.event_schema_version < InventoryPriceChanged.SINCE:
                return created, 0  # a price change is an event this version cannot write
            priced = await repository.price_if_unpriced(conn, DEMO_PRICES)
            current = await repository.current_prices(conn, list(DEMO_PRICES))
            events = [price_changed(p, price, version) for p, (price, version) in current.items()]
            if events:
                await conn.execute(Outgoing(list(events), settings.event_schema_version).insert_literal())
            return created, len(priced)
    finally:
        await pool.close()


def main() -> None:
    created, priced = asyncio.run(seed(InventorySettings()))
    print(
        f"demo products: {created} created, {len(DEMO_PRODUCTS) - created} already there;"
        f" {priced} priced now, {len(DEMO_PRICES) - priced} had a price"
    )


if __name__ == "__main__":
    main()
