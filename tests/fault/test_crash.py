"""Crash mid-saga: each service SIGKILLs itself at each named fault point, is restarted, and every saga
still ends where it must, with one payment and at most one charge per order and the checker clean.

The fault points (libs/runtime/faults.py) sit where a crash hurts most:
  <service>.before_commit                   the handler ran, its transaction is not committed
  <service>.after_commit_before_ack         committed, the broker still thinks the message is unhandled
  <service>.after_publish_before_mark_sent  the relay published, the outbox row still says unsent
  payment.after_charge_before_record       the gateway charged, our database does not know yet
"""

import asyncio
import signal
import time

import pytest

from tests.fault.effects import duplicated
from tests.fault.figures import Figures
from tests.fault.orders import Orders, saga_mix
from tests.support.checks import assert_clean
from tests.support.ledgers import money_of
from tests.support.stock import new_product

pytestmark = pytest.mark.e2e
POINTS = ("before_commit", "after_commit_before_ack", "after_publish_before_mark_sent")
CASES = [(s, p) for s in ("order", "payment", "inventory", "shipping") for p in POINTS]
CASES.insert(4, ("payment", "after_charge_before_record"))


@pytest.mark.parametrize(("service", "point"), CASES, ids=[f"{s}.{p}" for s, p in CASES])
async def test_killed_at(shared_stack, http, figures: Figures, service: str, point: str) -> None:
    stack = shared_stack
    product = await new_product(stack, 100)
    await stack.stop(service)
    await stack.start(service, {"FAULT_POINTS": f"{service}.{point}=kill@1"})

    orders = Orders(http, stack)
    placing = asyncio.create_task(orders.place_all(saga_mix(product)))
    assert await stack.exited(service, timeout=60) == -signal.SIGKILL, f"{service} did not die at {point}"
    restarted = time.monotonic()
    await stack.start(service)  # the same process, without the fault
    accepted = await placing
    await orders.settled()
    report = await assert_clean(stack)
    figures.recovery_s = round(time.monotonic() - restarted, 1)

    final = await orders.final_statuses()
    assert final == orders.expected, "an order ended elsewhere than its path says"
    money = await money_of(stack, accepted)
    for order_id, want in orders.expected.items():
        m = money[order_id]
        assert m.charges == (0 if want == "PAYMENT_FAILED" else 1), f"{order_id}: {m}"
        assert m.refunds == (1 if want == "CANCELLED" else 0), f"{order_id}: {m}"
    figures.orders, figures.faults = len(accepted), 1
    figures.lost, figures.duplicated = await orders.lost(), await duplicated(stack)
    figures.notes = {
        "killed": f"{service}.{point}",
        "http": dict(orders.statuses),
        "checked": len(report.counts),
    }
    assert figures.lost == 0 and figures.duplicated == 0
