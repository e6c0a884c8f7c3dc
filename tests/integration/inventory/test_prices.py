"""Inventory owns the prices: PUT /inventory/{id} sets one (exact money, > 0), GET shows it from the
cache and from PostgreSQL alike, and each real change, and only a real change, is one
inventory.price_changed in the outbox, written with the change, carrying the product's version."""

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient

from events import decode
from inventory.availability.projection import Projection
from inventory.availability.reconcile import reconcile
from stack.tokens import Signer
from stockcache import stock_key
from tests.integration.inventory.support import serve_api


@pytest_asyncio.fixture
async def client(pool: asyncpg.Pool, projection: Projection, signer: Signer) -> AsyncIterator[TestClient]:
    await reconcile(pool, projection)  # as at start-up: the cache is trusted from then on
    async with serve_api(pool, projection, signer) as c:
        yield c


async def put(client: TestClient, product_id: UUID, body: dict[str, Any]) -> tuple[int, Any]:
    async with client.put(f"/inventory/{product_id}", json=body) as r:
        return r.status, await r.json()


async def get(client: TestClient, product_id: UUID) -> tuple[dict, str]:
    async with client.get(f"/inventory/{product_id}") as r:
        assert r.status == 200, await r.text()
        return await r.json(), r.headers["X-Availability-Source"]


async def price_events(pool: asyncpg.Pool, product_id: UUID) -> list[tuple[str, int]]:
    """(price, version) of each inventory.price_changed of the product in the outbox, in order."""
    rows = await pool.fetch(
        "SELECT body, order_id FROM outbox WHERE routing_key = 'inventory.price_changed' ORDER BY id"
    )
    events = [decode(r["body"], "inventory.price_changed") for r in rows]
    assert all(r["order_id"] is None for r in rows) and all(e.order_id is None for e in events)
    return [(str(e.payload.price), e.payload.version) for e in events if e.payload.product_id == product_id]


async def version(pool: asyncpg.Pool, product_id: UUID) -> int:
    return await pool.fetchval("SELECT version FROM products WHERE product_id = $1", product_id)


async def test_one_event_per_real_change_with_the_products_version(client, pool):
    p = uuid4()
    status, body = await put(client, p, {"name": "Mug", "quantity": 10, "price": "49.90"})
    assert (status, body["price"]) == (201, "49.90")
    assert await price_events(pool, p) == [("49.90", await version(pool, p))]

    await put(client, p, {"name": "Mug", "quantity": 12, "price": 49.9})  # the same price: no event
    await put(client, p, {"name": "Mug", "quantity": 12})  # no price: unchanged, no event
    status, body = await put(client, p, {"name": "Mug", "quantity": 12, "price": None})
    assert (status, body["price"]) == (200, "49.90")
    assert len(await price_events(pool, p)) == 1

    status, body = await put(client, p, {"name": "Mug", "quantity": 12, "price": 59.90})
    assert (status, body["price"], body["on_hand"]) == (200, "59.90", 12)
    [(_, first), (price, second)] = await price_events(pool, p)
    assert price == "59.90" and first < second <= await version(pool, p)


async def test_a_product_created_without_a_price_is_not_for_sale_and_sends_nothing(client, pool):
    p = uuid4()
    status, body = await put(client, p, {"name": "Mug", "quantity": 3})
    assert (status, body["price"]) == (201, None)
    assert await price_events(pool, p) == []
    await put(client, p, {"name": "Mug", "quantity": 3, "price": "7.5"})
    assert [price for price, _ in await price_events(pool, p)] == ["7.50"]


async def test_a_refused_write_changes_no_price_and_sends_nothing(client, pool):
    """Stock below what is reserved is a 409: the price in the same request is rolled back with it."""
    p = uuid4()
    await put(client, p, {"name": "Mug", "quantity": 5, "price": "10.00"})
    await pool.execute("UPDATE products SET reserved = 5 WHERE product_id = $1", p)
    await pool.execute("UPDATE stock SET reserved = 5 WHERE product_id = $1", p)
    status, body = await put(client, p, {"name": "Mug", "quantity": 1, "price": "12.00"})
    assert (status, body["error"]["code"]) == (409, "insufficient_stock")
    assert [price for price, _ in await price_events(pool, p)] == ["10.00"]
    assert await pool.fetchval("SELECT price FROM products WHERE product_id = $1", p) == 10


async def test_get_shows_the_price_from_the_cache_and_from_postgresql(client, pool, projection):
    p = uuid4()
    await put(client, p, {"name": "Mug", "quantity": 4, "price": "19.99"})
    cached, source = await get(client, p)
    assert (source, cached["price"]) == ("cache", "19.99")
    await projection.cache.gate.client.delete(stock_key(projection.cache.gate.prefix, p))
    fresh, source = await get(client, p)
    assert (source, fresh) == ("database", cached)
    async with client.get(f"/inventory?product_id={p}") as r:
        assert (await r.json())["items"][0]["price"] == "19.99"


async def test_an_entry_of_the_layout_before_prices_is_read_from_postgresql_and_rewritten(
    client, pool, projection
):
    p = uuid4()
    await put(client, p, {"name": "Mug", "quantity": 4, "price": "19.99"})
    key, redis = stock_key(projection.cache.gate.prefix, p), projection.cache.gate.client
    v = await version(pool, p)
    await redis.set(key, f"{v}:4:0|main:4:0")  # as an inventory of the version before wrote it
    body, source = await get(client, p)
    assert (source, body["price"]) == ("database", "19.99")
    raw = await redis.get(key)
    assert (raw.decode() if isinstance(raw, bytes) else raw) == f"{v}:4:0|main:4:0|$19.99"  # the fill took it
    assert (await get(client, p))[1] == "cache"


@pytest.mark.parametrize(
    "price", ["0", 0, "0.00", -1, "49.999", 49.999, "ten", "NaN", "1e400", True, [], "1000000.01"]
)
async def test_a_price_that_is_not_exact_positive_money_is_refused(client, price):
    status, body = await put(client, uuid4(), {"name": "Mug", "quantity": 1, "price": price})
    assert status == 422, body
    assert body["error"]["code"] == "validation_failed"
    assert body["error"]["details"][0]["field"] == "price"
