"""Crash mid-saga: each service SIGKILLs itself at each named fault point, is restarted, and every saga
still ends where it must, with one payment and at most one charge per order and the checker clean.

The fault points (libs/runtime/faults.py) sit where a crash hurts most:
  <service>.before_commit                   the handler ran, its transaction is not committed
  <service>.after_commit_before_ack         committed, the broker still thinks the message is unhandled
  <service>.after_publish_before_mark_sent  the relay published, the outbox row still says unsent
  payment.after_charge_before_record       the gateway charged, our database does not know yet
  inventory.hold_written_before_answer     a holds API write committed, its answer not sent yet
"""

import asyncio
import signal
import time
from uuid import uuid4

import aiohttp
import asyncpg
import pytest

from tests.fault.effects import duplicated
from tests.fault.figures import Figures
from tests.fault.orders import Orders, saga_mix
from tests.support.checks import assert_clean
from tests.support.client import Inventory
from tests.support.ledgers import money_of
from tests.support.stock import PRICE, new_product, stock_of

pytestmark = pytest.mark.e2e
POINTS = ("before_commit", "after_commit_before_ack", "after_publish_before_mark_sent")
CASES = [(s, p) for s in ("order", "payment", "inventory", "shipping") for p in POINTS]
CASES.insert(4, ("payment", "after_charge_before_record"))


@pytest.mark.parametrize(("service", "point"), CASES, ids=[f"{s}.{p}" for s, p in CASES])
async def test_killed_at(shared_stack, http, figures: Figures, service: str, point: str) -> None:
    """The saga's every path, and a checkout that claims a hold, through a crash of one service."""
    stack, inv = shared_stack, Inventory(http, shared_stack.url("inventory"))
    product = await new_product(stack, 100)
    status, hold, _ = await inv.call(
        "POST", "/holds", json={"items": [{"product_id": str(product), "quantity": 2}]}
    )
    assert status == 201, hold
    await stack.stop(service)
    await stack.start(service, {"FAULT_POINTS": f"{service}.{point}=kill@1"})

    orders = Orders(http, stack)
    placing = asyncio.create_task(orders.place_all(saga_mix(product)))
    claiming = asyncio.create_task(orders.place([(product, 2, PRICE)], "CONFIRMED", hold_id=hold["hold_id"]))
    assert await stack.exited(service, timeout=60) == -signal.SIGKILL, f"{service} did not die at {point}"
    restarted = time.monotonic()
    await stack.start(service)  # the same process, without the fault
    accepted = [*await placing, await claiming]
    await orders.settled()
    status, claimed, _ = await inv.call("GET", f"/holds/{hold['hold_id']}")
    assert (status, claimed["status"], claimed["order_id"]) == (200, "CLAIMED", str(accepted[-1]))
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


# a holds API write -> (its answer's status, the product's (on_hand, reserved) after it, of 10 units held 2)
HOLD_WRITES = {"create": (201, (10, 2)), "commit": (200, (8, 0)), "release": (200, (10, 0))}


@pytest.mark.parametrize("write", list(HOLD_WRITES))
async def test_killed_after_a_hold_write_before_its_answer(
    shared_stack, http, figures: Figures, write: str
) -> None:
    """The client's retry with the same Idempotency-Key gets the write's answer; it happened once."""
    stack, inv = shared_stack, Inventory(http, shared_stack.url("inventory"))
    product = await new_product(stack, 10)
    body = {"items": [{"product_id": str(product), "quantity": 2}]}
    hold_id = None
    if write != "create":
        status, created, _ = await inv.call("POST", "/holds", json=body)
        assert status == 201, created
        hold_id = created["hold_id"]
    path, payload = {
        "create": ("/holds", body),
        "commit": (f"/holds/{hold_id}/commit", {"reference": "POS-crash"}),
        "release": (f"/holds/{hold_id}/release", None),
    }[write]
    await stack.stop("inventory")
    await stack.start("inventory", {"FAULT_POINTS": "inventory.hold_written_before_answer=kill@1"})
    key = {"Idempotency-Key": f"crash-{uuid4()}"}
    with pytest.raises(aiohttp.ClientError):  # committed, then killed before the answer left
        await inv.call("POST", path, json=payload, headers=key)
    assert await stack.exited("inventory", timeout=60) == -signal.SIGKILL
    restarted = time.monotonic()
    await stack.start("inventory")
    status, answer, r = await inv.call("POST", path, json=payload, headers=key)
    want_status, want_stock = HOLD_WRITES[write]
    assert (status, r.headers.get("Idempotent-Replayed")) == (want_status, "true"), answer
    conn = await asyncpg.connect(stack.database_url("inventory"), timeout=10)
    try:
        holds = await conn.fetchval(
            "SELECT count(DISTINCT reservation_id) FROM reservation_items WHERE product_id = $1", product
        )
    finally:
        await conn.close()
    assert holds == 1 and await stock_of(stack, product) == want_stock  # one hold, its stock moved once
    report = await assert_clean(stack)
    figures.recovery_s = round(time.monotonic() - restarted, 1)
    figures.faults, figures.lost, figures.duplicated = 1, 0, holds - 1
    figures.notes = {
        "killed": f"inventory.hold_written_before_answer ({write})",
        "checked": len(report.counts),
    }
