"""The consumer on a real broker and database: inbox and effect in one transaction, ack after commit,
retries counted in our own header, the DLQ with the error attached, bad messages dead-lettered at once."""

import json

import pytest

from events import encode
from events.codec import MAX_EVENT_BYTES
from messaging.consumer import Consumer
from messaging.errors import PermanentError
from stack.wait import eventually
from tests.integration.messaging.conftest import admin_publishers
from tests.integration.messaging.recorder import consumed, depth, effects, inbox, take_all
from tests.unit.samples import event_of

RESERVED = "inventory.reserved"
QUEUE = "shipping.inventory-reserved"
RETRY, DLQ = f"{QUEUE}.retry", f"{QUEUE}.dlq"
EXCHANGE = "inventory.exchange"


async def publish(publisher, event) -> None:
    await publisher.publish(EXCHANGE, event.event_type, encode(event), message_id=str(event.event_id))


async def dead_letters(broker, n: int = 1) -> list:
    """Wait until the DLQ holds n messages, then take them."""

    async def arrived() -> bool:
        return await depth(broker, DLQ) >= n

    await eventually(arrived, 15, 0.05, f"{n} dead letters")
    return await take_all(broker, DLQ)


async def test_an_event_is_applied_with_its_inbox_row_and_acked(
    start_consumer, broker, pool, publisher, recorder
):
    consumer = await start_consumer()
    event = event_of(RESERVED)
    await publish(publisher, event)
    await eventually(lambda: effects(pool, event.event_id), 10, message="effect")
    [row] = await inbox(pool, event.event_id)
    assert (row["queue"], row["event_type"], row["order_id"]) == (QUEUE, RESERVED, event.order_id)
    await consumer.stop(timeout_s=5)  # unacked deliveries would go back to the queue now
    assert await depth(broker, QUEUE) == 0
    assert recorder.attempts(event.event_id) == 1


async def test_a_redelivered_event_has_one_effect(start_consumer, pool, publisher, recorder):
    before = consumed(QUEUE, "duplicate")
    await start_consumer()
    event = event_of(RESERVED)
    for _ in range(3):
        await publish(publisher, event)
    await eventually(lambda: consumed(QUEUE, "duplicate") - before == 2, 10, message="two duplicates acked")
    assert await effects(pool, event.event_id) == 1
    assert recorder.attempts(event.event_id) == 1
    assert len(await inbox(pool, event.event_id)) == 1


async def test_a_handler_that_always_fails_is_tried_max_attempts_times_then_dead_lettered(
    start_consumer,
    broker,
    pool,
    publisher,
    recorder,
):
    consumer = await start_consumer(max_attempts=3)
    poison, good = event_of(RESERVED), event_of(RESERVED)
    recorder.fail[poison.order_id] = RuntimeError(f"cannot ship {poison.order_id}")
    await publish(publisher, poison)
    await publish(publisher, good)

    [message] = await dead_letters(broker)
    assert recorder.attempts(poison.event_id) == 3
    h = message.headers
    assert h["x-error"] == f"RuntimeError: cannot ship {poison.order_id}"
    assert h["x-attempts"] == 3
    assert h["x-service"] == "shipping"
    assert h["x-error-reason"] == "attempts_exhausted"
    assert (h["x-queue"], h["x-original-exchange"], h["x-original-routing-key"]) == (
        QUEUE,
        EXCHANGE,
        RESERVED,
    )
    assert message.body == encode(poison) and message.message_id == str(poison.event_id)
    assert await effects(pool, poison.event_id) == 0  # every attempt rolled back
    assert await inbox(pool, poison.event_id) == []

    await eventually(lambda: effects(pool, good.event_id), 10, message="the good event flowed meanwhile")
    await consumer.stop(timeout_s=5)
    assert (await depth(broker, QUEUE), await depth(broker, RETRY)) == (0, 0)
    assert recorder.attempts(poison.event_id) == 3  # and never again


async def test_a_permanent_error_goes_to_the_dlq_without_retry(start_consumer, broker, publisher, recorder):
    await start_consumer()
    event = event_of(RESERVED)
    recorder.fail[event.order_id] = PermanentError("no such reservation")
    await publish(publisher, event)
    [message] = await dead_letters(broker)
    assert recorder.attempts(event.event_id) == 1
    assert message.headers["x-attempts"] == 1
    assert message.headers["x-error-reason"] == "permanent"
    assert message.headers["x-error"] == "PermanentError: no such reservation"


def _envelope(**changes) -> bytes:
    data = json.loads(encode(event_of(RESERVED)))
    data.update(changes)
    return json.dumps(data).encode()


BAD_BODIES = {
    "not json": b"this is not json",
    "truncated": encode(event_of(RESERVED))[:40],
    "unknown schema version": _envelope(schema_version=4),
    "unknown event type": _envelope(event_type="inventory.teleported"),
    "extra field": _envelope(surprise=True),
    "wrong types": _envelope(order_id=12345),
    "another event on this queue": encode(event_of("inventory.released")),
    "oversized": b'{"pad": "' + b"x" * MAX_EVENT_BYTES + b'"}',
}


@pytest.mark.parametrize("kind", BAD_BODIES)
async def test_a_message_that_is_not_a_valid_event_goes_to_the_dlq_at_once(
    kind,
    start_consumer,
    broker,
    pool,
    publisher,
    recorder,
):
    await start_consumer()
    await publisher.publish(EXCHANGE, RESERVED, BAD_BODIES[kind], message_id=f"bad-{kind}")
    [message] = await dead_letters(broker)
    assert message.body == BAD_BODIES[kind]
    assert message.headers["x-attempts"] == 1
    assert message.headers["x-error-reason"] == "invalid"
    assert message.headers["x-error"].startswith("invalid event:")
    assert message.headers["x-service"] == "shipping"
    assert recorder.calls == []

    good = event_of(RESERVED)  # the consumer is still up
    await publish(publisher, good)
    await eventually(lambda: effects(pool, good.event_id), 10, message="a good event after a bad one")


async def test_a_consumer_refuses_to_start_with_handlers_that_differ_from_its_subscriptions(
    broker,
    pool,
    publisher,
    recorder,
):
    only_one = {RESERVED: recorder.handle}
    consumer = Consumer(
        broker,
        pool,
        publisher,
        "shipping",
        only_one,
        publishers=admin_publishers(broker),
        prefetch=1,
        max_attempts=3,
        retry_base_delay_ms=20,
        handler_timeout_s=5,
    )
    with pytest.raises(RuntimeError, match="inventory.released"):
        await consumer.start()


@pytest.mark.parametrize("header", ["garbage", None, -5])
async def test_a_message_with_a_broken_attempt_header_is_still_handled(
    header,
    start_consumer,
    pool,
    publisher,
    recorder,
):
    await start_consumer()
    event = event_of(RESERVED)
    await publisher.publish(
        EXCHANGE, RESERVED, encode(event), message_id=str(event.event_id), headers={"x-attempt": header}
    )
    await eventually(lambda: effects(pool, event.event_id), 10, message="handled despite the header")
