"""Deadlines: a handler that overruns HANDLER_TIMEOUT_S is cancelled, its transaction rolled back, and
it is retried; a second delivery of the same event arriving meanwhile waits on the first one's inbox
row. However the two interleave, the effect is applied once: one payment, one charge.

The handler timeout is what keeps a slow handler from ever reaching the broker's consumer timeout
(after which the broker would hand the message to another consumer while the first still runs): the
last test checks that it is far below the broker's setting.
"""

import time
from pathlib import Path

import asyncpg
import pytest

from runtime.settings import ServiceSettings
from stack.wait import eventually
from tests.fault.broker import rabbitmqctl
from tests.fault.effects import duplicated
from tests.fault.figures import Figures
from tests.fault.metrics import counter
from tests.fault.orders import Orders
from tests.fault.redeliver import publish_again, sent_events
from tests.support.checks import assert_clean
from tests.support.ledgers import Money, money_of
from tests.support.stock import new_product

pytestmark = pytest.mark.e2e
QUEUE = "payment.order-created"
POINT = "payment.before_commit"


async def _payment_rows(stack, order_id) -> int:
    conn = await asyncpg.connect(stack.database_url("payment"), timeout=10)
    try:
        return await conn.fetchval("SELECT count(*) FROM payments WHERE order_id = $1", order_id)
    finally:
        await conn.close()


async def test_a_handler_over_its_deadline_is_rolled_back_and_retried_without_double_effect(
    shared_stack, http, figures: Figures, tmp_path: Path
) -> None:
    stack = shared_stack
    product = await new_product(stack, 10)
    await stack.stop("payment")
    await stack.start(
        "payment",
        {
            "FAULT_POINTS": f"{POINT}=wait",
            "FAULT_BARRIER_DIR": str(tmp_path),
            "HANDLER_TIMEOUT_S": "1",
            "MAX_DELIVERY_ATTEMPTS": "6",
        },
    )
    orders = Orders(http, stack)
    order_id = await orders.place([(product, 1, "10.00")], "CONFIRMED")
    payment = stack.metrics_url("payment")

    # the handler charged and wrote its payment row, then stalls before commit: past its deadline
    await eventually(lambda: (tmp_path / f"{POINT}.waiting").exists(), 30, 0.05, "the handler at the barrier")
    [created] = [e for e in await sent_events(stack, [order_id]) if e.routing_key == "order.created"]
    await publish_again(stack, [created])  # and a second delivery of the same event, meanwhile
    await eventually(lambda: _retried(http, payment, 2), 30, 0.05, "two attempts timed out and retried")
    assert await _payment_rows(stack, order_id) == 0, "a timed-out attempt's payment row is visible"
    assert (await money_of(stack, [order_id]))[order_id].charges == 1  # the gateway dedups on the order

    released = time.monotonic()
    (tmp_path / f"{POINT}.release").touch()
    await orders.settled()
    assert await orders.final_statuses() == {order_id: "CONFIRMED"}
    assert (await money_of(stack, [order_id]))[order_id] == Money("APPROVED", charges=1, refunds=0)
    await eventually(lambda: _consumed(http, payment), 30, 0.1, "one delivery applied, the other a duplicate")
    timed_out = int(await counter(http, payment, "saga_events_retried_total", queue=QUEUE))
    await stack.stop("payment")
    await stack.start("payment")
    await assert_clean(stack)
    figures.recovery_s = round(time.monotonic() - released, 1)
    figures.orders, figures.faults = 1, timed_out + 1  # the overruns, and the second delivery
    figures.notes = {"timed_out_attempts": timed_out}
    figures.lost, figures.duplicated = await orders.lost(), await duplicated(stack)
    assert figures.lost == 0 and figures.duplicated == 0


async def _retried(http, payment: str, n: int) -> bool:
    return await counter(http, payment, "saga_events_retried_total", queue=QUEUE) >= n


async def _consumed(http, payment: str) -> bool:
    applied = await counter(http, payment, "saga_events_consumed_total", queue=QUEUE, outcome="applied")
    dup = await counter(http, payment, "saga_events_consumed_total", queue=QUEUE, outcome="duplicate")
    assert applied <= 1, f"order.created applied {applied} times"
    return (applied, dup) == (1, 1)


@pytest.mark.requires_local_servers("RabbitMQ (rabbitmqctl)")
async def test_the_handler_deadline_is_far_below_the_brokers_consumer_timeout() -> None:
    out = (await rabbitmqctl("eval", "application:get_env(rabbit, consumer_timeout).")).strip()
    if out == "undefined":
        return  # no consumer timeout at all: the broker never hands a message on behind a handler's back
    consumer_timeout_s = int(out.removeprefix("{ok,").removesuffix("}")) / 1000
    handler_timeout_s = ServiceSettings.model_fields["handler_timeout_s"].default
    assert handler_timeout_s * 10 <= consumer_timeout_s, (handler_timeout_s, consumer_timeout_s)
