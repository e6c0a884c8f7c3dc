"""Rolling deploys of schema versions 2 and 3, as docs/design.md ("Versions and rolling deploys") tells
them: every service runs with EVENT_SCHEMA_VERSION=1 and writes only version 1 while orders flow; then
the producers switch to 2 one at a time, versions 1 and 2 in flight together, then to 3 the same way, and
every order still ends right. Prices come with version 3 (inventory.price_changed): an inventory on 1 or
2 refuses to set one, and until the first price reaches the order service it takes orders at the prices
they name.
"""

import json
from uuid import UUID

import asyncpg
import pytest

from events import SERVICES
from stack.supervisor import Stack
from tests.support.checks import assert_clean
from tests.support.client import Api, Inventory, order_body
from tests.support.stock import new_product, prices_known

pytestmark = pytest.mark.e2e


async def versions_written(stack: Stack) -> dict[str, dict[int, int]]:
    """Per service, how many events its outbox holds of each schema version."""
    found: dict[str, dict[int, int]] = {}
    for service in SERVICES:
        conn = await asyncpg.connect(stack.database_url(service), timeout=10)
        try:
            bodies = await conn.fetch("SELECT body FROM outbox")
        finally:
            await conn.close()
        counts = found.setdefault(service, {})
        for row in bodies:
            version = json.loads(row["body"])["schema_version"]
            counts[version] = counts.get(version, 0) + 1
    return found


async def place_two(api: Api, product: UUID) -> dict[UUID, str]:
    """An order that fits the stock and one that does not; the status each must end in."""
    return {
        await api.place([(product, 1, "10.00")]): "CONFIRMED",
        await api.place([(product, 1000, "1.00")]): "CANCELLED",
    }


async def refuses_a_price(http, stack: Stack, product: UUID) -> None:
    status, refused, _ = await Inventory(http, stack.url("inventory")).call(
        "PUT", f"/inventory/{product}", json={"name": "p", "quantity": 100, "price": "10.00"}
    )
    assert (status, refused["error"]["details"][0]["field"]) == (422, "price"), refused


async def test_producers_on_version_1_then_switched_one_by_one_to_2_then_to_3(make_stack, http):
    stack = await make_stack(env={"EVENT_SCHEMA_VERSION": "1"})
    api = Api(http, stack.url("order"), stack.url("inventory"))
    product = await new_product(stack, 100, price=None)  # an inventory on version 1 cannot price it
    await refuses_a_price(http, stack, product)

    expected = await place_two(api, product)
    for order_id, status in expected.items():
        assert (await api.terminal(order_id))["status"] == status
    await assert_clean(stack)
    written = await versions_written(stack)
    assert all(set(counts) == {1} for counts in written.values()), written
    assert all(written[s] for s in SERVICES), written  # every service produced something

    for version in (2, 3):
        for service in ("order", "payment", "inventory", "shipping"):  # one producer at a time
            await stack.stop(service)
            await stack.start(service, {"EVENT_SCHEMA_VERSION": str(version)})
            expected |= await place_two(api, product)
        for order_id, status in expected.items():
            assert (await api.terminal(order_id))["status"] == status, order_id
        await assert_clean(stack)
        written = await versions_written(stack)
        assert all(set(counts) == set(range(1, version + 1)) for counts in written.values()), written
        if version == 2:
            await refuses_a_price(http, stack, product)  # inventory.price_changed is version 3's

    # every producer on version 3: the product gets its price, and the order service checks it from then on
    await Inventory(http, stack.url("inventory")).put(product, "p", 100, "10.00")
    await prices_known(stack, {product: "10.00"})
    async with http.post(f"{stack.url('order')}/orders", json=order_body([(product, 1, "1.00")])) as r:
        assert (r.status, (await r.json())["error"]["code"]) == (422, "price_mismatch")
