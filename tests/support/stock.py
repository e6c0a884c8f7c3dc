"""Stock for e2e tests, created as an operator would: `PUT /inventory/{id}` on the stack's inventory
service (so the ledger, the database and the Redis cache all learn of it at once), with a price, which
the order service learns from inventory.price_changed: orders may name the product once it has."""

import asyncio
from collections.abc import Mapping
from decimal import Decimal
from uuid import UUID, uuid4

import aiohttp
import asyncpg

from stack.supervisor import Stack
from stack.wait import eventually

PRICE = "10.00"  # what a test product costs unless the test says otherwise


async def add_products(stack: Stack, products: Mapping[UUID, int], price: str | None = PRICE) -> None:
    """Create each product with that many units at `price`, and wait until the order service knows the
    price (None: unpriced, not for sale once the order service knows any price); a product that exists
    already is an error."""
    headers = stack.tokens.headers()  # an operator's token
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30), headers=headers) as http:

        async def put(product_id: UUID, units: int) -> None:
            body = {"name": f"Test product {product_id}", "quantity": units, "price": price}
            if price is None:
                del body["price"]
            async with http.put(f"{stack.url('inventory')}/inventory/{product_id}", json=body) as r:
                assert r.status == 201, f"PUT /inventory/{product_id}: {r.status} {await r.text()}"

        await asyncio.gather(*(put(p, units) for p, units in products.items()))
    if price is not None:
        await prices_known(stack, dict.fromkeys(products, price))


async def new_product(stack: Stack, units: int, price: str | None = PRICE) -> UUID:
    """A fresh product (its own id, so tests sharing a stack never share stock) with `units` units at
    `price`, known to the order service."""
    product_id = uuid4()
    await add_products(stack, {product_id: units}, price)
    return product_id


async def order_prices(stack: Stack, product_ids: list[UUID]) -> dict[UUID, tuple[Decimal, int]]:
    """(price, version) per product as the order service's copy has them (products it has none of left out)."""
    conn = await asyncpg.connect(stack.database_url("order"), timeout=10)
    try:
        rows = await conn.fetch(
            "SELECT product_id, price, version FROM product_prices WHERE product_id = ANY($1::uuid[])",
            product_ids,
        )
    finally:
        await conn.close()
    return {r["product_id"]: (r["price"], r["version"]) for r in rows}


async def priced_at_order_only(stack: Stack, product_id: UUID, price: str) -> None:
    """Give the order service's copy a price for a product inventory does not know (written directly,
    version 1), so that an order may name it and the saga meet an unknown product."""
    conn = await asyncpg.connect(stack.database_url("order"), timeout=10)
    try:
        await conn.execute(
            "INSERT INTO product_prices (product_id, price, version, event_id) VALUES ($1, $2, 1, $3)",
            product_id,
            Decimal(price),
            uuid4(),
        )
    finally:
        await conn.close()


async def prices_known(stack: Stack, prices: Mapping[UUID, str], timeout: float = 30) -> None:
    """Wait until the order service's copy holds exactly these prices."""
    wanted = {p: Decimal(x) for p, x in prices.items()}

    async def known() -> bool:
        kept = await order_prices(stack, list(wanted))
        return {p: price for p, (price, _) in kept.items()} == wanted

    await eventually(known, timeout, 0.02, f"the order service knows the prices {prices}")


async def stock_of(stack: Stack, product_id: UUID) -> tuple[int, int]:
    """(on_hand, reserved) as the inventory database has them."""
    conn = await asyncpg.connect(stack.database_url("inventory"), timeout=10)
    try:
        row = await conn.fetchrow("SELECT on_hand, reserved FROM products WHERE product_id = $1", product_id)
    finally:
        await conn.close()
    assert row is not None, f"no product {product_id}"
    return row["on_hand"], row["reserved"]


def stock_view(product_id: UUID, on_hand: int, reserved: int = 0, price: str | None = None) -> dict:
    """GET /inventory/{id}'s answer for a product stocked in the default warehouse only."""
    figures = {"on_hand": on_hand, "reserved": reserved, "available": on_hand - reserved}
    return {
        "product_id": str(product_id),
        **figures,
        "price": price,
        "warehouses": [{"warehouse_id": "main", **figures}],
    }
