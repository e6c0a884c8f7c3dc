"""Idempotency-Key on inventory's writes, through the real routes on a real database: a retry gets the
first answer and moves the stock once, another body is a 409, a refused write leaves the key free, two
concurrent requests with one key move the stock once, and one key on two products or endpoints is two."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest_asyncio
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from inventory.availability.projection import Projection
from servicekit import idempotency
from stack.tokens import Signer
from stack.wait import eventually
from tests.integration.inventory.support import serve_api
from tests.support.stock import stock_view

KEY = {"Idempotency-Key": "retry-me-1"}


@pytest_asyncio.fixture
async def client(pool: asyncpg.Pool, projection: Projection, signer: Signer) -> AsyncIterator[TestClient]:
    async with serve_api(pool, projection, signer) as c:
        yield c


async def call(client: TestClient, method: str, path: str, **kwargs: Any) -> tuple[int, Any, ClientResponse]:
    async with client.request(method, path, **kwargs) as r:
        return r.status, await r.json(), r


async def movements(pool: asyncpg.Pool, product_id: UUID) -> list[tuple[str, int]]:
    rows = await pool.fetch(
        "SELECT kind, quantity FROM movements WHERE product_id = $1 ORDER BY id", product_id
    )
    return [(r["kind"], r["quantity"]) for r in rows]


async def claims(pool: asyncpg.Pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM idempotent_writes")


async def product(client: TestClient, quantity: int = 10) -> UUID:
    p = uuid4()
    status, body, _ = await call(client, "PUT", f"/inventory/{p}", json={"name": "Mug", "quantity": quantity})
    assert status == 201, body
    return p


async def test_a_retry_gets_the_first_answer_and_the_stock_moves_once(client: TestClient, pool: asyncpg.Pool):
    p = await product(client)
    receive = {"quantity": 5, "reason": "PO-1"}
    first = await call(client, "POST", f"/inventory/{p}/stock", json=receive, headers=KEY)
    again = await call(client, "POST", f"/inventory/{p}/stock", json=receive, headers=KEY)
    assert first[:2] == again[:2] == (200, stock_view(p, 15))
    assert idempotency.REPLAYED not in first[2].headers and again[2].headers[idempotency.REPLAYED] == "true"
    assert await movements(pool, p) == [("receive", 10), ("receive", 5)]
    await call(client, "POST", f"/inventory/{p}/stock", json={"quantity": 1})  # no key: applies each time
    assert (await call(client, "GET", f"/inventory/{p}"))[1]["on_hand"] == 16


async def test_a_replayed_create_is_the_201_with_its_location(client: TestClient, pool: asyncpg.Pool):
    p, body = uuid4(), {"name": "Cup", "quantity": 3}
    first = await call(client, "PUT", f"/inventory/{p}", json=body, headers=KEY)
    await call(client, "POST", f"/inventory/{p}/stock", json={"quantity": 4})  # the stock moves on
    again = await call(client, "PUT", f"/inventory/{p}", json=body, headers=KEY)
    assert first[:2] == again[:2] and first[0] == 201 and first[1]["on_hand"] == 3  # as first answered
    assert first[2].headers["Location"] == again[2].headers["Location"] == f"/inventory/{p}"
    assert await movements(pool, p) == [("receive", 3), ("receive", 4)]  # not set back to 3


async def test_the_same_key_with_another_body_is_a_409_and_changes_nothing(
    client: TestClient, pool: asyncpg.Pool
):
    p = await product(client)
    assert (await call(client, "POST", f"/inventory/{p}/stock", json={"quantity": 5}, headers=KEY))[0] == 200
    status, body, _ = await call(client, "POST", f"/inventory/{p}/stock", json={"quantity": 6}, headers=KEY)
    reused = idempotency.key_reused()
    assert (status, body["error"]) == (409, {"code": reused.code, "message": reused.message, "details": []})
    status, _, _ = await call(client, "POST", f"/inventory/{p}/stock?x=1", json={"quantity": 5}, headers=KEY)
    assert status == 409  # the query is part of the request too
    assert await movements(pool, p) == [("receive", 10), ("receive", 5)]


async def test_a_refused_write_leaves_the_key_free_for_the_fixed_request(
    client: TestClient, pool: asyncpg.Pool
):
    p = await product(client)
    too_much = {"kind": "adjust", "quantity": -11, "reason": "count"}
    status, body, _ = await call(client, "POST", f"/inventory/{p}/stock", json=too_much, headers=KEY)
    assert status == 409 and body["error"]["code"] == "insufficient_stock"
    assert await claims(pool) == 0  # rolled back with the write
    fixed = {"kind": "adjust", "quantity": -1, "reason": "count"}
    status, body, _ = await call(client, "POST", f"/inventory/{p}/stock", json=fixed, headers=KEY)
    assert (status, body["on_hand"]) == (200, 9)
    status, body, _ = await call(client, "POST", f"/inventory/{p}/stock", json=too_much, headers=KEY)
    assert status == 409 and body["error"]["code"] == "idempotency_key_reused"  # now the key is taken
    unknown = uuid4()  # a 404 is refused too: the key stays free
    assert (await call(client, "POST", f"/inventory/{unknown}/stock", json=fixed, headers=KEY))[0] == 404
    assert await claims(pool) == 1
    assert await movements(pool, p) == [("receive", 10), ("adjust", -1)]


async def test_two_concurrent_requests_with_one_key_move_the_stock_once(
    client: TestClient, pool: asyncpg.Pool
):
    p = await product(client)
    async with pool.acquire() as blocker:
        tx = blocker.transaction()
        await tx.start()
        await blocker.execute("SELECT FROM products WHERE product_id = $1 FOR UPDATE", p)
        sent = [
            asyncio.create_task(
                call(client, "POST", f"/inventory/{p}/stock", json={"quantity": 5}, headers=KEY)
            )
            for _ in range(2)
        ]
        # one has claimed the key and waits for the product's row; the other waits for that claim
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        await eventually(lambda: _count(pool, waiting, 2), 10, message="both requests waiting")
        await tx.rollback()
        answers = await asyncio.gather(*sent)
    assert [a[:2] for a in answers] == [answers[0][:2]] * 2 and answers[0][1]["on_hand"] == 15
    assert sorted(a[2].headers.get(idempotency.REPLAYED, "") for a in answers) == ["", "true"]
    assert await movements(pool, p) == [("receive", 10), ("receive", 5)]


async def _count(pool: asyncpg.Pool, query: str, expected: int) -> bool:
    return await pool.fetchval(query) == expected


async def test_a_bad_key_is_a_422_and_changes_nothing(client: TestClient, pool: asyncpg.Pool):
    p = await product(client)
    for bad in ("k" * (idempotency.MAX_KEY + 1), ""):
        status, body, _ = await call(
            client, "POST", f"/inventory/{p}/stock", json={"quantity": 5}, headers={"Idempotency-Key": bad}
        )
        assert status == 422 and body["error"]["details"][0]["field"] == "Idempotency-Key", body
    longest = {"Idempotency-Key": "k" * idempotency.MAX_KEY}
    assert (await call(client, "POST", f"/inventory/{p}/stock", json={"quantity": 5}, headers=longest))[
        0
    ] == 200
    assert await movements(pool, p) == [("receive", 10), ("receive", 5)]


async def test_one_key_on_two_products_or_two_endpoints_is_two_claims(client: TestClient, pool: asyncpg.Pool):
    p, q = await product(client), await product(client)
    for target in (p, q):
        status, body, r = await call(
            client, "POST", f"/inventory/{target}/stock", json={"quantity": 5}, headers=KEY
        )
        assert (status, body["on_hand"], idempotency.REPLAYED in r.headers) == (200, 15, False)
    status, body, r = await call(
        client, "PUT", f"/inventory/{p}", json={"name": "Mug", "quantity": 2}, headers=KEY
    )
    assert (status, body["on_hand"], idempotency.REPLAYED in r.headers) == (200, 2, False)
    assert await movements(pool, p) == [("receive", 10), ("receive", 5), ("adjust", -13)]
    assert await movements(pool, q) == [("receive", 10), ("receive", 5)]
    assert await claims(pool) == 3
