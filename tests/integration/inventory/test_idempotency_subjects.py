"""Idempotency-Keys are per subject, through the real routes: one key sent by two clients is two writes
with two answers, a client replays only its own, cannot probe another's (no 409 for another's body), and
the claims made before authentication (scope '') are nobody's now."""

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest_asyncio
from aiohttp.test_utils import TestClient

from inventory.availability.projection import Projection
from runtime.auth import scopes
from servicekit import idempotency
from stack.tokens import Signer
from tests.integration.inventory.support import new_products, serve_api
from tests.support.stock import stock_view

KEY = "same-key-1"
A, B, C = (UUID(int=0xA), UUID(int=0xB), UUID(int=0xC))


@pytest_asyncio.fixture
async def client(pool: asyncpg.Pool, projection: Projection, signer: Signer) -> AsyncIterator[TestClient]:
    async with serve_api(pool, projection, signer, token=None) as c:
        yield c


async def receive(
    client: TestClient, signer: Signer, who: UUID, p: UUID, units: int
) -> tuple[int, Any, bool]:
    headers = {**signer.headers(signer.mint(who, [scopes.INVENTORY_WRITE])), idempotency.HEADER: KEY}
    async with client.post(f"/inventory/{p}/stock", json={"quantity": units}, headers=headers) as r:
        return r.status, await r.json(), r.headers.get(idempotency.REPLAYED) == "true"


async def test_one_key_of_two_subjects_is_two_writes_and_each_replays_only_its_own(client, pool, signer):
    [p] = await new_products(pool, 10)
    assert await receive(client, signer, A, p, 5) == (200, stock_view(p, 15), False)
    assert await receive(client, signer, B, p, 5) == (200, stock_view(p, 20), False)  # not A's answer
    assert await receive(client, signer, A, p, 5) == (200, stock_view(p, 15), True)
    assert await receive(client, signer, B, p, 5) == (200, stock_view(p, 20), True)
    status, body, _ = await receive(client, signer, B, p, 1)  # B's own key with another body
    assert (status, body["error"]["code"]) == (409, "idempotency_key_reused")
    assert await receive(client, signer, C, p, 1) == (
        200,
        stock_view(p, 21),
        False,
    )  # A's key tells C nothing
    rows = await pool.fetch("SELECT scope, status FROM idempotent_writes WHERE key = $1 ORDER BY scope", KEY)
    assert [(r["scope"], r["status"]) for r in rows] == [(str(A), 200), (str(B), 200), (str(C), 200)]


async def test_a_claim_from_before_authentication_is_nobodys(client, pool, signer):
    [p] = await new_products(pool, 10)
    await pool.execute(
        "INSERT INTO idempotent_writes (scope, operation, key, request_hash, status, headers, body)"
        " VALUES ('', $1, $2, $3, 200, '[]', '{}')",
        f"POST /inventory/{p}/stock",
        KEY,
        uuid4().bytes,
    )
    assert await receive(client, signer, A, p, 5) == (200, stock_view(p, 15), False)
    assert await pool.fetchval("SELECT count(*) FROM idempotent_writes WHERE key = $1", KEY) == 2
