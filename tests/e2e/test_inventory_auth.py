"""Issue 16's rules for inventory, on the real services: every protected route refuses a request without
a token (401) or without its scope (403); availability and the service routes answer anyone; a hold is
its customer's (another's read, release or sale of it is a 404), and another customer's order naming it
is cancelled and refunded (hold_mismatch) while the hold stays its owner's to use."""

from typing import Any
from uuid import UUID, uuid4

import aiohttp
import asyncpg
import pytest

from inventory.api import access
from runtime.auth import scopes
from stack.tokens import Signer
from tests.support.checks import assert_clean
from tests.support.client import Api, order_body
from tests.support.inventory_access import Example, examples
from tests.support.ledgers import money_of
from tests.support.stock import PRICE, new_product

pytestmark = pytest.mark.e2e

ALICE, BOB = uuid4(), uuid4()
SHOPPER = [scopes.HOLDS_WRITE, scopes.INVENTORY_READ, scopes.ORDERS_WRITE, scopes.ORDERS_READ]


async def send(
    http: aiohttp.ClientSession, base: str, example: Example, token: str | None
) -> tuple[int, Any]:
    method, path, body = example
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with http.request(method, base + path, json=body, headers=headers) as r:
        return r.status, await r.json() if r.content_type == "application/json" else None


@pytest.fixture
async def anonymous():
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


async def test_each_protected_route_needs_a_token_with_its_scope(stack, http, anonymous, signer: Signer):
    base = stack.url("inventory")
    p = await new_product(stack, 20)
    status, _ = await send(http, base, ("PUT", "/warehouses/east", {"name": "East", "priority": 10}), None)
    assert status in (200, 201)
    hold = ("POST", "/holds", {"items": [{"product_id": str(p), "quantity": 1}]})
    held = [await send(http, base, hold, signer.admin()) for _ in "ab"]
    for route, example in examples(p, held[0][1]["hold_id"], held[1][1]["hold_id"]).items():
        status, body = await send(anonymous, base, example, None)
        assert (status, body["error"]["code"]) == (401, "unauthorized"), route
        lacking = signer.mint(uuid4(), scopes.ALL - {access.SCOPES[route]})
        status, body = await send(anonymous, base, example, lacking)
        assert (status, body["error"]["code"]) == (403, "forbidden"), route
    for path in (f"/inventory/{p}", f"/inventory?product_id={p}", "/openapi.json", "/health", "/ready"):
        assert (await send(anonymous, base, ("GET", path, None), None))[0] == 200, path


async def _reason(stack, order_id: UUID) -> str | None:
    conn = await asyncpg.connect(stack.database_url("payment"), timeout=10)
    try:
        return await conn.fetchval("SELECT reason FROM payments WHERE order_id = $1", order_id)
    finally:
        await conn.close()


async def test_a_hold_is_its_customers_and_another_customers_order_cannot_claim_it(
    stack, api: Api, anonymous, signer: Signer
):
    inv, p = stack.url("inventory"), await new_product(stack, 10)
    alice, bob = signer.mint(ALICE, SHOPPER), signer.mint(BOB, SHOPPER)
    status, held = await send(
        anonymous, inv, ("POST", "/holds", {"items": [{"product_id": str(p), "quantity": 2}]}), alice
    )
    assert status == 201
    hold = held["hold_id"]
    for example in (
        ("GET", f"/holds/{hold}", None),
        ("POST", f"/holds/{hold}/release", None),
        ("POST", f"/holds/{hold}/commit", {"reference": "POS-1"}),
    ):
        status, body = await send(anonymous, inv, example, bob)
        assert (status, body["error"]["code"]) == (404, "not_found"), example
    lines = [(p, 2, PRICE)]
    order = await _checkout(api, anonymous, lines, hold, BOB, bob)
    assert order["status"] == "CANCELLED"
    money = (await money_of(stack, [UUID(order["order_id"])]))[UUID(order["order_id"])]
    assert (money.payment, money.charges, money.refunds) == ("REVERSED", 1, 1)
    # reversed for inventory's hold_mismatch (the order may see payment.reversed before inventory.failed)
    assert await _reason(stack, UUID(order["order_id"])) == "inventory.failed: hold_mismatch"
    status, still = await send(anonymous, inv, ("GET", f"/holds/{hold}", None), alice)
    assert (status, still["status"], still["order_id"]) == (200, "ACTIVE", None)  # still Alice's to use
    mine = await _checkout(api, anonymous, lines, hold, ALICE, alice)
    assert mine["status"] == "CONFIRMED" and mine["hold_id"] == hold
    await assert_clean(stack)


async def _checkout(
    api: Api,
    http: aiohttp.ClientSession,
    items: list[tuple[UUID, int, str]],
    hold: str,
    customer: UUID,
    token: str,
) -> dict[str, Any]:
    body = {**order_body(items, customer), "hold_id": hold}
    headers = {"Authorization": f"Bearer {token}"}
    async with http.post(f"{api.order_url}/orders", json=body, headers=headers) as r:
        answer = await r.json()
        assert r.status == 201, answer
    return await api.terminal(UUID(answer["order_id"]))


async def test_one_idempotency_key_of_two_subjects_is_two_writes(stack, anonymous, signer: Signer):
    inv, p = stack.url("inventory"), await new_product(stack, 10)
    receive = ("POST", f"/inventory/{p}/stock", {"quantity": 5})

    async def send_keyed(who: UUID) -> tuple[int, int, str | None]:
        token = signer.mint(who, [scopes.INVENTORY_WRITE])
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "shared-key"}
        method, path, body = receive
        async with anonymous.request(method, inv + path, json=body, headers=headers) as r:
            return r.status, (await r.json())["on_hand"], r.headers.get("Idempotent-Replayed")

    assert await send_keyed(ALICE) == (200, 15, None)
    assert await send_keyed(BOB) == (200, 20, None)  # Bob's own write, not Alice's answer
    assert await send_keyed(ALICE) == (200, 15, "true")
