"""Malformed messages: not JSON, wrong types, an unknown event type, an unknown schema version, the
wrong event for the queue, a huge body. Each goes straight to the DLQ (one attempt, no retry, reason
`invalid`) and the consumer stays up: an order placed afterwards completes."""

import time
from uuid import uuid4

import aio_pika
import orjson
import pytest

from messaging import dlq
from messaging.dlq.cli import run
from messaging.users import OPERATOR
from stack.wait import eventually
from tests.fault.effects import duplicated
from tests.fault.figures import Figures
from tests.fault.metrics import counter
from tests.fault.orders import Orders
from tests.support.checks import assert_clean
from tests.support.stock import new_product
from tests.unit.samples import order_created

pytestmark = pytest.mark.e2e


def _valid() -> dict:
    return orjson.loads(order_created("10.00").model_dump_json())


def _with(**changes) -> bytes:
    body = _valid()
    for path, value in changes.items():
        target = body
        *parents, leaf = path.split("__")
        for p in parents:
            target = target[int(p)] if isinstance(target, list) else target[p]
        target[leaf] = value
    return orjson.dumps(body)


# (queue, body): what a confused producer might send
MALFORMED = {
    "not json": ("payment.order-created", b"\x00\xff{definitely not json"),
    "wrong types": (
        "payment.order-created",
        _with(payload__total_amount=12.5, payload__items=[{"quantity": "lots"}]),
    ),
    "unknown event type": ("payment.order-created", _with(event_type="order.teleported")),
    "unknown schema version": ("payment.order-created", _with(schema_version=4)),
    "wrong event for the queue": ("order.payment-failed", _with()),
    "huge body": ("inventory.payment-approved", _with(producer="x" * 300_000)),
}


async def test_malformed_messages_go_straight_to_the_dlq_and_the_consumer_stays_up(
    shared_stack, http, figures: Figures
) -> None:
    stack = shared_stack
    # straight into each queue, as the queue's producer: the operator may publish in another's name
    async with await aio_pika.connect(stack.broker_url(OPERATOR), timeout=10) as operator:
        channel = await operator.channel(publisher_confirms=True)
        ids = {}
        for what, (queue, body) in MALFORMED.items():
            ids[what] = str(uuid4())
            producer = queue.split(".", 1)[1].split("-", 1)[0]  # payment.order-created: order
            await channel.default_exchange.publish(
                aio_pika.Message(
                    body,
                    message_id=ids[what],
                    user_id=stack.broker_user(producer),
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=queue,
                mandatory=True,
            )
    connection = await aio_pika.connect(stack.amqp_url, timeout=10)
    try:
        started = time.monotonic()

        async def all_dead() -> list:
            letters = [
                x
                for q in {q for q, _ in MALFORMED.values()}
                for x in await dlq.list_letters(connection, f"{q}.dlq")
            ]
            return letters if len(letters) == len(MALFORMED) else []

        letters = await eventually(all_dead, 30, 0.1, "every malformed message in a DLQ")
    finally:
        await connection.close()

    by_id = {x.message_id: x for x in letters}
    for what, (queue, _) in MALFORMED.items():
        letter = by_id[ids[what]]
        assert (letter.queue, letter.attempts, letter.reason) == (queue, 1, "invalid"), what
        assert letter.error.startswith("invalid event"), (what, letter.error)
    for service, queues in (
        ("payment", ["payment.order-created"]),
        ("order", ["order.payment-failed"]),
        ("inventory", ["inventory.payment-approved"]),
    ):
        for q in queues:
            assert await counter(http, stack.metrics_url(service), "saga_events_retried_total", queue=q) == 0

    # the consumers are still there and still work
    product = await new_product(stack, 10)
    orders = Orders(http, stack)
    await orders.place([(product, 1, "10.00")], "CONFIRMED")
    await orders.settled()
    for service in ("payment", "order", "inventory"):
        assert stack.procs[service].returncode is None, f"{service} died"
    await assert_clean(stack, expected_dlq=len(MALFORMED))
    for q in {q for q, _ in MALFORMED.values()}:
        assert await run(["--url", stack.amqp_url, "purge", q, "--yes"]) == 0
    await assert_clean(stack)
    figures.orders, figures.faults = 1, len(MALFORMED)
    figures.lost, figures.duplicated = await orders.lost(), await duplicated(stack)
    figures.recovery_s = round(time.monotonic() - started, 1)
    figures.notes = {"dead_lettered": sorted(MALFORMED)}
