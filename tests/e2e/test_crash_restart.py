"""A service killed with SIGKILL in the middle of a batch of orders, then started again: every order
still reaches its terminal status, nobody is charged twice, the stock adds up."""

import asyncio
from uuid import UUID

import asyncpg
import pytest

from stack.wait import eventually
from tests.support.checks import assert_clean
from tests.support.ledgers import Money, money_of
from tests.support.stock import PRICE, new_product, stock_of

pytestmark = pytest.mark.e2e
BATCH = 15  # placed before the kill, and again while the service is down

# rows the victim writes per order: how far it got with the batch
PROGRESS = {
    "payment": "SELECT count(*) FROM payments WHERE order_id = ANY($1::uuid[])",
    "inventory": "SELECT count(*) FROM reservations WHERE order_id = ANY($1::uuid[])",
    "shipping": "SELECT count(*) FROM shipments WHERE order_id = ANY($1::uuid[])",
}


async def progress(stack, service: str, order_ids: list[UUID]) -> int:
    conn = await asyncpg.connect(stack.database_url(service), timeout=10)
    try:
        return await conn.fetchval(PROGRESS[service], order_ids)
    finally:
        await conn.close()


async def place_batch(api, product: UUID) -> list[UUID]:
    return list(await asyncio.gather(*(api.place([(product, 1, PRICE)]) for _ in range(BATCH))))


@pytest.mark.parametrize("victim", ["payment", "inventory", "shipping"])
async def test_a_service_killed_mid_batch_loses_no_order_and_charges_once(stack, api, victim):
    product = await new_product(stack, 100)
    before_kill = await place_batch(api, product)

    async def under_way() -> bool:
        return await progress(stack, victim, before_kill) >= 3

    await eventually(under_way, 30, 0.01, f"{victim} under way")
    await stack.kill(victim)

    while_down = await place_batch(api, product)
    await stack.start(victim)

    order_ids = before_kill + while_down
    orders = await asyncio.gather(*(api.terminal(o, timeout=90) for o in order_ids))
    assert [o["status"] for o in orders] == ["CONFIRMED"] * len(order_ids)
    money = await money_of(stack, order_ids)
    assert {o: m for o, m in money.items() if m != Money("APPROVED", 1, 0)} == {}, (
        "charged twice or not at all"
    )
    assert await stock_of(stack, product) == (100 - len(order_ids), 0)
    await assert_clean(stack, quiet_timeout=90)
