"""Database outage under load: the stack's backends terminated (its own databases only), then the
PostgreSQL server stopped and started. While it is down the APIs answer 503 with the error shape, never
500; the pools heal by themselves; nothing is lost and every saga completes.

Stopping the server stops it for everyone on this machine, so that test stops it once, probes the APIs
and starts it again at once.
"""

import asyncio
import time

import pytest

from stack.wait import eventually
from tests.fault.database import each_holds_a_backend, pg_ctlcluster, server_up, terminate_backends
from tests.fault.effects import duplicated
from tests.fault.figures import Figures
from tests.fault.load import Waves
from tests.fault.orders import Orders
from tests.fault.readers import Readers
from tests.support.checks import assert_clean
from tests.support.client import order_body
from tests.support.stock import new_product

pytestmark = pytest.mark.e2e


async def _answers(http, url: str) -> bool:
    async with http.get(url) as r:
        return r.status == 200


async def _finish(
    stack, orders: Orders, readers: Readers, task, figures: Figures, restored: float, faults: int
):
    await orders.settled(120)
    for url in readers.urls:  # the pools healed: every read answers again
        await eventually(lambda url=url: _answers(readers.http, url), 30, 0.1, f"{url} answering 200")
    await readers.stop(task)
    assert not readers.bad, f"a request failed with a 5xx other than 503: {readers.bad[:3]}"
    await assert_clean(stack)
    figures.recovery_s = round(time.monotonic() - restored, 1)
    figures.orders, figures.faults = len(orders.expected), faults
    figures.lost, figures.duplicated = await orders.lost(), await duplicated(stack)
    figures.notes = {"post": dict(orders.statuses), "get": dict(readers.statuses)}
    assert figures.lost == 0 and figures.duplicated == 0


async def test_backends_terminated_under_load(shared_stack, http, figures: Figures) -> None:
    stack = shared_stack
    product = await new_product(stack, 10)
    orders = Orders(http, stack)
    known = await orders.place([(product, 1, "10.00")], "CONFIRMED")
    readers = Readers(
        http,
        [
            f"{stack.url('order')}/orders/{known}",
            f"{stack.url('order')}/orders?limit=5",
            f"{stack.url('inventory')}/inventory/{product}",
        ],
    )
    task = readers.start()
    waves = Waves(orders, waves=4)
    await waves.start()
    rounds = []
    for n in range(3):
        await waves.accepted(1 + 6 * (n + 1))
        await each_holds_a_backend(stack)  # the pools healed from the round before: each has one to lose
        rounds.append(await terminate_backends(stack))
    await waves.done()
    # each round must have hit every service: between the wait and the termination (milliseconds) no pool
    # drops a connection of its own accord (asyncpg closes an idle one after 300 s)
    assert all(all(r.values()) for r in rounds), f"a service held no backend to terminate: {rounds}"
    terminated = sum(sum(r.values()) for r in rounds)
    await _finish(stack, orders, readers, task, figures, time.monotonic(), terminated)


@pytest.mark.requires_local_servers("PostgreSQL (pg_ctlcluster)")
async def test_postgres_stopped_and_started_under_load(shared_stack, http, figures: Figures) -> None:
    stack = shared_stack
    product = await new_product(stack, 10)
    orders = Orders(http, stack)
    known = await orders.place([(product, 1, "10.00")], "CONFIRMED")
    readers = Readers(
        http, [f"{stack.url('order')}/orders/{known}", f"{stack.url('inventory')}/inventory/{product}"]
    )
    task = readers.start()
    waves = Waves(orders, waves=2)
    await waves.start()
    await waves.accepted(7)
    await pg_ctlcluster("stop")
    try:
        probes = await _probe_while_down(stack, http, known)
        during = asyncio.create_task(
            orders.place([(product, 1, "10.00")], "CONFIRMED")
        )  # retried until it is back
    finally:
        await pg_ctlcluster("start")
    restored = time.monotonic()
    await server_up(stack)
    await during
    await waves.done()
    assert probes == {"POST /orders": 503, "GET /orders/{id}": 503, "GET /ready": 503, "GET /health": 200}, (
        probes
    )
    await _finish(stack, orders, readers, task, figures, restored, 1)


async def _probe_while_down(stack, http, order_id) -> dict[str, int]:
    base = stack.url("order")
    answers = {}
    async with http.post(f"{base}/orders", json=order_body([(order_id, 1, "1.00")])) as r:
        answers["POST /orders"] = r.status
        assert r.status != 503 or (await r.json())["error"]["code"] == "unavailable"
    for name, path in (
        ("GET /orders/{id}", f"/orders/{order_id}"),
        ("GET /ready", "/ready"),
        ("GET /health", "/health"),
    ):
        async with http.get(base + path) as r:
            answers[name] = r.status
    return answers
