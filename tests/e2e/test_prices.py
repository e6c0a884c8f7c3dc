"""Prices the client cannot set, end to end: inventory owns a product's price, the order service learns
it from inventory.price_changed (never asking inventory), and POST /orders refuses a line whose
unit_price is not the current price, or names a product with no price, with 422 price_mismatch naming
every such line. The demo data is priced, so the README's order confirms at 49.90."""

import asyncio
import sys
from decimal import Decimal
from uuid import UUID, uuid4

import asyncpg
import pytest

from tests.support.checks import assert_clean
from tests.support.client import Api, Inventory, order_body
from tests.support.stock import new_product, order_prices, prices_known

pytestmark = pytest.mark.e2e


@pytest.fixture
def inv(stack, http) -> Inventory:
    return Inventory(http, stack.url("inventory"))


async def post(
    api: Api, items: list[tuple[UUID, int, str]], key: str | None = None, body: dict | None = None
) -> tuple[int, dict]:
    headers = {"Idempotency-Key": key} if key else None
    async with api.http.post(f"{api.order_url}/orders", json=body or order_body(items), headers=headers) as r:
        return r.status, await r.json()


async def orders_of(stack, product: UUID) -> int:
    conn = await asyncpg.connect(stack.database_url("order"), timeout=10)
    try:
        return await conn.fetchval("SELECT count(*) FROM order_items WHERE product_id = $1", product)
    finally:
        await conn.close()


async def test_a_wrong_price_and_an_unknown_product_are_refused_naming_each_line(stack, api):
    a, b = await new_product(stack, 10, "49.90"), await new_product(stack, 10, "5.00")
    unknown = uuid4()
    status, body = await post(api, [(a, 1, "49.90"), (b, 2, "4.99"), (unknown, 1, "1.00"), (a, 1, "1.00")])
    assert (status, body["error"]["code"]) == (422, "price_mismatch"), body
    assert [
        {k: d[k] for k in ("index", "product_id", "sent", "current", "type")}
        for d in body["error"]["details"]
    ] == [
        {"index": 1, "product_id": str(b), "sent": "4.99", "current": "5.00", "type": "price_differs"},
        {"index": 2, "product_id": str(unknown), "sent": "1.00", "current": None, "type": "unknown_product"},
        {"index": 3, "product_id": str(a), "sent": "1.00", "current": "49.90", "type": "price_differs"},
    ]
    assert all(d["field"] == f"items.{d['index']}.unit_price" for d in body["error"]["details"])
    assert await orders_of(stack, a) == await orders_of(stack, b) == 0  # nothing was placed
    await assert_clean(stack)


async def test_a_refused_price_leaves_the_idempotency_key_free_for_the_corrected_order(stack, api):
    product, key = await new_product(stack, 10, "12.00"), f"price-{uuid4()}"
    assert (await post(api, [(product, 1, "11.00")], key))[0] == 422
    status, placed = await post(api, [(product, 1, "12.00")], key)
    assert status == 201, placed
    assert (await api.terminal(UUID(placed["order_id"])))["total_amount"] == "12.00"
    await assert_clean(stack)


async def test_a_new_price_reaches_the_order_service_and_the_old_one_is_refused(stack, api, inv):
    product = await new_product(stack, 10, "20.00")
    [(_, first_version)] = (await order_prices(stack, [product])).values()
    replay_key, first_body = f"replay-{uuid4()}", order_body([(product, 1, "20.00")])
    status, before = await post(api, [], replay_key, first_body)
    assert status == 201

    answer = await inv.put(product, "Test product", 10, "25.50")
    assert answer["price"] == "25.50" and (await inv.get(product))["price"] == "25.50"
    await prices_known(stack, {product: "25.50"})
    [(_, version)] = (await order_prices(stack, [product])).values()
    assert version > first_version

    status, body = await post(api, [(product, 1, "20.00")])
    assert (status, body["error"]["details"][0]["current"]) == (422, "25.50")
    # the retry of an order placed at the old price gets its first answer, not a refusal
    assert await post(api, [], replay_key, first_body) == (201, before)
    status, placed = await post(api, [(product, 2, "25.50")])
    assert status == 201
    order = await api.terminal(UUID(placed["order_id"]))
    assert (order["status"], order["total_amount"]) == ("CONFIRMED", "51.00")
    await api.terminal(UUID(before["order_id"]))
    await assert_clean(stack)


async def test_prices_changed_in_a_burst_end_at_the_last_one(stack, inv):
    """Several changes of one product in flight at once: the order service keeps the newest, whatever
    order the events are applied in."""
    product = await new_product(stack, 10, "1.00")
    for n in range(2, 12):
        await inv.put(product, "Test product", 10, f"{n}.00")
    await prices_known(stack, {product: "11.00"})
    conn = await asyncpg.connect(stack.database_url("inventory"), timeout=10)
    try:
        version = await conn.fetchval("SELECT version FROM products WHERE product_id = $1", product)
    finally:
        await conn.close()
    assert (await order_prices(stack, [product]))[product] == (Decimal("11.00"), version)
    await assert_clean(stack)


async def test_the_demo_data_is_priced_once_and_the_readme_order_confirms_at_49_90(stack, api, inv):
    """`make up`'s seed, run twice against the stack's inventory database: the second run prices nothing
    again; the outbox rows it wrote reach the order service through the running inventory's relay
    (`make up` seeds before it starts the services; here they run, so a read fills the cache)."""
    env = stack.service_env("inventory")

    async def run_seed(expected: str) -> None:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "inventory.seed", env=env, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0 and expected in out.decode(), out

    for expected in ("5 priced now", "0 priced now"):
        await run_seed(expected)
    demo = UUID(int=1)
    await prices_known(stack, {demo: "49.90", UUID(int=5): "2500.00"})
    # the order service's copy of a price lost (an order database made afresh): the next seed, which
    # publishes every demo price again, makes it whole; what the copy holds already stays as it is
    conn = await asyncpg.connect(stack.database_url("order"))
    try:
        await conn.execute("DELETE FROM product_prices WHERE product_id = $1", UUID(int=2))
    finally:
        await conn.close()
    await run_seed("0 priced now")
    await prices_known(stack, {UUID(int=2): "19.99", demo: "49.90"})
    ids = "&".join(f"product_id={UUID(int=n)}" for n in range(1, 6))
    status, shown, _ = await inv.call("GET", f"/inventory?{ids}")  # read-through: the cache learns them too
    assert [i["price"] for i in shown["items"]] == ["49.90", "19.99", "5.00", "129.00", "2500.00"], shown
    order = await api.terminal(await api.place([(demo, 2, "49.90")]))
    assert (order["status"], order["total_amount"]) == ("CONFIRMED", "99.80")
    declined = await api.terminal(await api.place([(UUID(int=5), 5, "2500.00")]))
    assert declined["status"] == "PAYMENT_FAILED"  # the README's way to a declined payment
    await assert_clean(stack)
