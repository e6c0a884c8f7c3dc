"""Holds across customers, through the real routes: a hold is its creator's; another customer's read,
release or sale of it is the 404 of a hold that does not exist (and changes nothing, nor takes the
Idempotency-Key), while a hold admin (inventory:write, or the call centre's orders:admin) reads and ends
anyone's."""

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient

from inventory.availability.projection import Projection
from inventory.stock import queries
from runtime.auth import scopes
from stack.tokens import Signer
from tests.integration.inventory.holds_support import lines
from tests.integration.inventory.support import new_products, serve_api

ALICE, BOB = UUID("0f0e0d0c-0000-4000-8000-00000000a11c"), UUID("0f0e0d0c-0000-4000-8000-000000000b0b")
CUSTOMER = [scopes.HOLDS_WRITE, scopes.INVENTORY_READ]  # a checkout front end's token


@pytest_asyncio.fixture
async def client(pool: asyncpg.Pool, projection: Projection, signer: Signer) -> AsyncIterator[TestClient]:
    async with serve_api(pool, projection, signer, token=None) as c:
        yield c


async def call(
    client: TestClient, token: str, method: str, path: str, body: Any = None, key: str | None = None
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}
    async with client.request(method, path, json=body, headers=headers) as r:
        return r.status, await r.json()


async def test_another_customers_hold_is_as_if_there_were_none(client, pool, signer: Signer):
    [p] = await new_products(pool, 5)
    alice, bob = signer.mint(ALICE, CUSTOMER), signer.mint(BOB, CUSTOMER)
    status, held = await call(client, alice, "POST", "/holds", {"items": lines((p, 2))})
    assert status == 201
    hold = held["hold_id"]
    unknown = await call(client, bob, "GET", f"/holds/{uuid4()}")
    assert unknown[0] == 404
    assert await call(client, bob, "GET", f"/holds/{hold}") == unknown
    assert await call(client, bob, "POST", f"/holds/{hold}/release", key="k-1") == unknown
    assert (
        await call(client, bob, "POST", f"/holds/{hold}/commit", {"reference": "POS-1"}, key="k-2") == unknown
    )
    assert await pool.fetchval("SELECT count(*) FROM idempotent_writes") == 0  # a 404 takes no key
    assert (await call(client, alice, "GET", f"/holds/{hold}")) == (200, held)
    assert await queries.ledger_balance(pool, p) == (5, 2)
    status, released = await call(client, alice, "POST", f"/holds/{hold}/release", key="k-1")
    assert (status, released["status"]) == (200, "RELEASED")  # Bob's 404 left Alice's key free


@pytest.mark.parametrize(
    "admin_scopes",
    [[scopes.INVENTORY_WRITE, scopes.HOLDS_WRITE, scopes.INVENTORY_READ], [scopes.ORDERS_ADMIN, *CUSTOMER]],
    ids=["stock admin", "call centre"],
)
async def test_a_hold_admin_reads_and_ends_anyones_hold(client, pool, signer: Signer, admin_scopes):
    [p] = await new_products(pool, 5)
    status, held = await call(
        client, signer.mint(ALICE, CUSTOMER), "POST", "/holds", {"items": lines((p, 1))}
    )
    assert status == 201
    admin = signer.mint(uuid4(), admin_scopes)
    assert await call(client, admin, "GET", f"/holds/{held['hold_id']}") == (200, held)
    status, sold = await call(
        client, admin, "POST", f"/holds/{held['hold_id']}/commit", {"reference": "POS-2"}
    )
    assert (status, sold["status"], sold["reference"]) == (200, "COMMITTED", "POS-2")
