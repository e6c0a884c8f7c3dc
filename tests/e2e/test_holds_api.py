"""Checkout with a hold, as a client does it: POST /holds, then POST /orders naming it. A matching hold
is claimed and its stock taken once; other lines, or a hold another order claimed, cancel the order
and refund it; a hold that expired first leaves the order to a fresh reservation."""

from typing import Any
from uuid import UUID

import asyncpg
import pytest

from stack.tokens import DEMO_CUSTOMER
from stack.wait import eventually
from tests.support.checks import assert_clean
from tests.support.client import Api, Inventory, order_body
from tests.support.ledgers import money_of
from tests.support.stock import new_product, stock_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def inv(stack, http) -> Inventory:
    return Inventory(http, stack.url("inventory"))


async def hold(inv: Inventory, product: UUID, units: int, **extra: Any) -> str:
    body = {"items": [{"product_id": str(product), "quantity": units}], **extra}
    status, answer, _ = await inv.call("POST", "/holds", json=body)
    assert status == 201, answer
    return answer["hold_id"]


async def checkout(
    api: Api, items: list[tuple[UUID, int, str]], hold_id: str, customer: UUID = DEMO_CUSTOMER, **kwargs: Any
) -> dict[str, Any]:
    """An order of `customer` (by default the hold's: the operator token's customer) claiming the hold."""
    body = {**order_body(items, customer), "hold_id": hold_id}
    async with api.http.post(f"{api.order_url}/orders", json=body, **kwargs) as r:
        body = await r.json()
        assert r.status == 201, body
    return await api.terminal(UUID(body["order_id"]))


async def reservation_movements(stack, product: UUID) -> list[tuple[str, int, UUID | None, UUID | None]]:
    conn = await asyncpg.connect(stack.database_url("inventory"), timeout=10)
    try:
        rows = await conn.fetch(
            "SELECT kind, quantity, reservation_id, order_id FROM movements"
            " WHERE product_id = $1 AND reservation_id IS NOT NULL ORDER BY id",
            product,
        )
    finally:
        await conn.close()
    return [(r["kind"], r["quantity"], r["reservation_id"], r["order_id"]) for r in rows]


async def test_an_order_claims_its_hold_and_the_stock_is_taken_once(stack, api: Api, inv: Inventory):
    p = await new_product(stack, 10)
    hold_id = await hold(inv, p, 2)
    order = await checkout(api, [(p, 1, "10.00"), (p, 1, "10.00")], hold_id)  # the same units, in two lines
    assert order["status"] == "CONFIRMED" and order["hold_id"] == hold_id
    status, held, _ = await inv.call("GET", f"/holds/{hold_id}")
    assert (status, held["status"], held["order_id"]) == (200, "CLAIMED", order["order_id"])
    order_id = UUID(order["order_id"])
    assert await reservation_movements(stack, p) == [
        ("reserve", 2, UUID(hold_id), None),  # held once, at checkout
        ("commit", 2, UUID(hold_id), order_id),
    ]
    assert await stock_of(stack, p) == (8, 0)
    await assert_clean(stack)


async def test_a_hold_of_other_lines_or_of_another_order_cancels_and_refunds(stack, api: Api, inv: Inventory):
    p = await new_product(stack, 10)
    hold_id = await hold(inv, p, 2)
    other_lines = await checkout(api, [(p, 3, "10.00")], hold_id)
    assert other_lines["status"] == "CANCELLED"
    assert (await inv.call("GET", f"/holds/{hold_id}"))[1]["status"] == "ACTIVE"  # untouched
    first = await checkout(api, [(p, 2, "10.00")], hold_id)
    second = await checkout(api, [(p, 2, "10.00")], hold_id)  # claimed by the first already
    assert (first["status"], second["status"]) == ("CONFIRMED", "CANCELLED")
    cancelled = [UUID(o["order_id"]) for o in (other_lines, second)]
    money = await money_of(stack, cancelled)
    assert [(money[o].payment, money[o].charges, money[o].refunds) for o in cancelled] == [
        ("REVERSED", 1, 1)
    ] * 2
    for o in (other_lines, second):
        notes = [h["event_type"] for h in o["history"]]
        assert "inventory.failed" in notes and "payment.reversed" in notes
    assert await stock_of(stack, p) == (8, 0)
    await assert_clean(stack)


async def test_a_hold_that_expired_first_leaves_the_order_a_fresh_reservation(
    stack, api: Api, inv: Inventory
):
    p = await new_product(stack, 2)
    hold_id = await hold(inv, p, 2, ttl_s=1)  # the last units

    async def expired() -> bool:
        return (await inv.call("GET", f"/holds/{hold_id}"))[1]["status"] == "EXPIRED"

    await eventually(expired, 15, 0.1, "the sweeper expires the hold")
    order = await checkout(api, [(p, 2, "10.00")], hold_id)
    assert order["status"] == "CONFIRMED"
    kinds = [(k, q, r == UUID(hold_id)) for k, q, r, _ in await reservation_movements(stack, p)]
    assert kinds == [("reserve", 2, True), ("expire", 2, True), ("reserve", 2, False), ("commit", 2, False)]
    assert await stock_of(stack, p) == (0, 0)
    await assert_clean(stack)
