"""Broker outage under load: every connection of the test's vhost dropped, then the RabbitMQ app
stopped and started. Orders keep being accepted, no confirmed event is lost, every queue has its
consumer again and every saga completes.

`rabbitmqctl stop_app` stops the broker for everyone on this machine (other test runs, `make up`), so
that test stops it once and for as short a time as it takes to place one wave of orders.
"""

import time

import pytest

from stack.wait import eventually
from tests.fault.broker import connections, every_queue_consumed, rabbitmqctl, reconnected
from tests.fault.effects import duplicated
from tests.fault.figures import Figures
from tests.fault.load import Waves
from tests.fault.orders import Orders, saga_mix
from tests.support.checks import assert_clean
from tests.support.stock import new_product

pytestmark = [pytest.mark.e2e, pytest.mark.requires_local_servers("RabbitMQ (rabbitmqctl)")]
SERVICE_CONNECTIONS = {f"{s}-service" for s in ("order", "payment", "inventory", "shipping")}


async def _finish(
    stack, orders: Orders, figures: Figures, restored: float, faults: int, before: dict[str, str]
) -> None:
    await orders.settled(120)
    consumers = await every_queue_consumed(stack)
    await reconnected(stack, before, SERVICE_CONNECTIONS)
    await assert_clean(stack)
    figures.recovery_s = round(time.monotonic() - restored, 1)
    figures.orders, figures.faults = len(orders.expected), faults
    figures.lost, figures.duplicated = await orders.lost(), await duplicated(stack)
    figures.notes = {"queues_with_consumer": len(consumers), "http": dict(orders.statuses)}
    assert figures.lost == 0 and figures.duplicated == 0


async def test_connections_dropped_under_load(shared_stack, http, figures: Figures) -> None:
    stack = shared_stack
    orders = Orders(http, stack)
    waves = Waves(orders, waves=5)
    before = await connections(stack)
    await waves.start()
    drops = 3
    for n in range(drops):
        await waves.accepted(6 * (n + 1))
        await rabbitmqctl("close_all_connections", "--vhost", stack.vhost, "fault test: connections dropped")
    await waves.done()
    await _finish(stack, orders, figures, time.monotonic(), drops, before)


async def test_broker_app_stopped_and_started_under_load(shared_stack, http, figures: Figures) -> None:
    stack = shared_stack
    orders = Orders(http, stack)
    waves = Waves(orders, waves=2)
    before = await connections(stack)
    await waves.start()
    await waves.accepted(6)
    product = await new_product(stack, 100)
    await rabbitmqctl("stop_app")
    try:
        down = await orders.place_all(
            saga_mix(product)
        )  # accepted while the broker is away: the outbox holds them
    finally:
        await rabbitmqctl("start_app")
        await rabbitmqctl("await_startup")
    restored = time.monotonic()
    await waves.done()
    assert orders.statuses.get(500, 0) == 0
    await eventually(lambda: all(o in orders.expected for o in down), 5, 0.1, "orders placed while down kept")
    await _finish(stack, orders, figures, restored, 1, before)
