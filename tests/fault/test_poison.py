"""A poison message: the payment handler always raises for one order (the test-only fault point
`payment.handler=raise@<order_id>`). It is tried exactly MAX_DELIVERY_ATTEMPTS times, then lands in
the DLQ with its error, while the other orders flow past it. Once the bug is "fixed" (payment restarted
without the fault) the operator replays it with the DLQ tool and that saga completes too."""

import time

import aio_pika
import pytest

from checker import check
from events.statuses import TERMINAL
from messaging import dlq
from messaging.dlq.cli import run
from stack.wait import eventually
from tests.fault.effects import duplicated
from tests.fault.figures import Figures
from tests.fault.metrics import counter
from tests.fault.orders import Orders
from tests.support.broker import as_operator
from tests.support.checks import assert_clean
from tests.support.stock import new_product

pytestmark = pytest.mark.e2e
ATTEMPTS = 4
# retries after 0.5 s, 2 s and 8 s: the poison is dead-lettered ~10 s after it first fails, long after
# the other orders (well under a second each) have finished
STACK_ENV = {"MAX_DELIVERY_ATTEMPTS": str(ATTEMPTS), "RETRY_BASE_DELAY_MS": "500"}
QUEUE = "payment.order-created"


async def test_poison_message_is_tried_max_attempts_then_dead_lettered_while_others_flow(
    shared_stack, http, figures: Figures
) -> None:
    stack = shared_stack
    product = await new_product(stack, 100)
    orders = Orders(http, stack)
    await stack.stop("payment")
    poison = await orders.place([(product, 1, "10.00")], "CONFIRMED")
    await stack.start("payment", {"FAULT_POINTS": f"payment.handler=raise@{poison}"})
    others = await orders.place_all([([(product, 1, "10.00")], "CONFIRMED")] * 8)

    connection = await aio_pika.connect(stack.amqp_url, timeout=10)
    try:
        others_done = await _all_terminal(orders, others)
        assert await dlq.count(connection, f"{QUEUE}.dlq") == 0, "the others waited behind the poison"
        started = time.monotonic()
        await eventually(lambda: _dead_lettered(connection), 60, 0.1, "the poison message in the DLQ")
        [letter] = await dlq.list_letters(connection, f"{QUEUE}.dlq")
    finally:
        await connection.close()
    assert (letter.order_id, letter.attempts, letter.reason) == (str(poison), ATTEMPTS, "attempts_exhausted")
    assert "FaultInjected" in letter.error and str(poison) in letter.error
    payment = stack.metrics_url("payment")
    assert await counter(http, payment, "saga_events_retried_total", queue=QUEUE) == ATTEMPTS - 1
    assert await counter(http, payment, "saga_events_dead_lettered_total", queue=QUEUE) == 1
    assert (await orders.final_statuses())[poison] == "PENDING"
    await assert_clean_but_poison(stack, poison)

    # the fix ships; the operator replays the DLQ and the saga completes
    await stack.stop("payment")
    await stack.start("payment")
    replayed = time.monotonic()
    # its user_id is payment's own (payment dead-lettered it); the replay, by the operator,
    # gives it its producer's again, so payment accepts it
    [letter] = await _letters(stack)
    assert letter.user_id == stack.broker_user("payment")
    assert await run([*as_operator(stack), "replay", QUEUE, "--all"]) == 0
    await orders.settled()
    await assert_clean(stack)
    figures.recovery_s = round(time.monotonic() - replayed, 1)
    figures.orders, figures.faults = len(orders.expected), ATTEMPTS
    figures.lost, figures.duplicated = await orders.lost(), await duplicated(stack)
    figures.notes = {
        "others_done_s": round(others_done, 1),
        "dead_lettered_after_s": round(time.monotonic() - started, 1),
    }
    assert figures.lost == 0 and figures.duplicated == 0


async def _all_terminal(orders: Orders, ids: list) -> float:
    started = time.monotonic()

    async def done() -> bool:
        final = await orders.final_statuses()
        return all(final[o] in TERMINAL for o in ids)

    await eventually(done, 30, 0.1, "the other orders terminal")
    return time.monotonic() - started


async def _letters(stack) -> list:
    async with await aio_pika.connect(stack.amqp_url, timeout=10) as connection:
        return await dlq.list_letters(connection, f"{QUEUE}.dlq")


async def _dead_lettered(connection: aio_pika.abc.AbstractConnection) -> bool:
    return await dlq.count(connection, f"{QUEUE}.dlq") == 1


async def assert_clean_but_poison(stack, poison) -> None:
    """While the poison sits in the DLQ the checker must see exactly it: one expected DLQ message and
    one order not terminal, nothing else."""
    report = await check(stack.targets, expected_dlq=1)
    assert report.details.get("orders_not_terminal") == [str(poison)], report.as_dict()
    assert report.violations == 1, report.as_dict()
