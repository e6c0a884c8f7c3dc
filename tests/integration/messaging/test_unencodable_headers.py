"""A message whose headers cannot be encoded again as they came (a `longstr` that is not UTF-8 arrives
as bytes, which pamqp refuses to write) still ends in the retry path or the DLQ, with its original body,
in a bounded number of deliveries; and a retry or DLQ copy the broker does not take gives the message
back only after a delay, never at once."""

import itertools
import json
import time

import pytest

from events import encode
from messaging.errors import PermanentError, PublishError
from stack.wait import eventually
from tests.integration.messaging.recorder import depth, take_all
from tests.unit.samples import event_of

RESERVED = "inventory.reserved"
QUEUE = "shipping.inventory-reserved"
RETRY, DLQ = f"{QUEUE}.retry", f"{QUEUE}.dlq"
EXCHANGE = "inventory.exchange"
MAX_ATTEMPTS = 3


class RawLongstr(str):
    """A header value pamqp writes as a longstr of exactly these bytes, UTF-8 or not: pamqp encodes a str
    by calling its `encode()`, and this one returns the raw bytes. It stands for a foreign publisher's
    header; aio-pika itself refuses to send bytes."""

    raw: bytes

    def __new__(cls, raw: bytes) -> "RawLongstr":
        value = super().__new__(cls, raw.decode("latin-1"))
        value.raw = raw
        return value

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return self.raw


BAD = b"\xff\xfe not UTF-8 \xc3"
RAW_HEADERS = {
    "x-trace": RawLongstr(BAD),
    "x-nested": {"inner": RawLongstr(b"\xc3(")},
    "x-list": [RawLongstr(b"\x80")],
}
AS_DECODED = {"x-trace": BAD, "x-nested": {"inner": b"\xc3("}, "x-list": [b"\x80"]}


class Counting:
    """The real publisher, recording every publish asked of it (each delivery of a message the consumer
    gives up on asks for one copy), and failing the first `fail` copies to `fail_to` queues."""

    def __init__(self, publisher, fail_to: str = "", fail: int = 0, error: Exception | None = None) -> None:
        self.publisher, self.fail_to, self.fail, self.error = publisher, fail_to, fail, error
        self.calls: list[tuple[str, float]] = []

    def to(self, suffix: str) -> list[float]:
        return [at for queue, at in self.calls if queue.endswith(suffix)]

    async def publish(self, exchange: str, routing_key: str, body: bytes, **kw) -> None:
        self.calls.append((routing_key, time.monotonic()))
        if self.fail_to and routing_key.endswith(self.fail_to) and self.fail > 0:
            self.fail -= 1
            raise self.error or PublishError(f"{routing_key}: not confirmed (a fault of the test)")
        await self.publisher.publish(exchange, routing_key, body, **kw)


async def publish_raw(publisher, body: bytes, message_id: str) -> None:
    await publisher.publish(EXCHANGE, RESERVED, body, message_id=message_id, headers=RAW_HEADERS)


async def dead_letter_or(broker, too_many) -> list:
    """Wait until the DLQ holds a message, or `too_many()` says the consumer is looping; take the DLQ."""

    async def settled() -> bool:
        return too_many() or await depth(broker, DLQ) >= 1

    await eventually(settled, 20, 0.05, "a dead letter")
    return await take_all(broker, DLQ)


async def test_such_a_header_arrives_as_bytes(broker, publisher):
    """The premise: this is what goes on the wire (a longstr with those bytes) and what a consumer gets."""
    async with broker.channel() as channel:
        queue = await channel.declare_queue("test.raw-headers", exclusive=True)
        await publisher.publish("", queue.name, b"{}", message_id="raw", headers=RAW_HEADERS)
        message = await queue.get(timeout=5)
        assert {k: message.headers[k] for k in AS_DECODED} == AS_DECODED
        await message.ack()


async def test_a_failing_handler_retries_then_dead_letters_it_with_its_body_and_headers(
    start_consumer,
    broker,
    publisher,
    recorder,
):
    await start_consumer(max_attempts=MAX_ATTEMPTS)
    event = event_of(RESERVED)
    recorder.fail[event.order_id] = RuntimeError(f"cannot ship {event.order_id}")
    await publish_raw(publisher, encode(event), str(event.event_id))

    [message] = await dead_letter_or(broker, lambda: recorder.attempts(event.event_id) > MAX_ATTEMPTS)
    assert recorder.attempts(event.event_id) == MAX_ATTEMPTS  # one handler run per attempt, no loop
    assert message.body == encode(event) and message.message_id == str(event.event_id)
    h = message.headers
    assert (h["x-attempts"], h["x-error-reason"]) == (MAX_ATTEMPTS, "attempts_exhausted")
    assert h["x-error"] == f"RuntimeError: cannot ship {event.order_id}"
    assert bytes(h["x-trace"]) == BAD and bytes(h["x-nested"]["inner"]) == b"\xc3("  # the same bytes
    assert [bytes(v) for v in h["x-list"]] == [b"\x80"]
    assert (await depth(broker, QUEUE), await depth(broker, RETRY)) == (0, 0)


async def test_a_permanent_error_dead_letters_it_after_one_run(start_consumer, broker, publisher, recorder):
    """A valid event for an order nobody knows: one transaction, not one per redelivery."""
    await start_consumer()
    event = event_of(RESERVED)
    recorder.fail[event.order_id] = PermanentError(f"no order {event.order_id}")
    await publish_raw(publisher, encode(event), str(event.event_id))
    [message] = await dead_letter_or(broker, lambda: recorder.attempts(event.event_id) > 1)
    assert recorder.attempts(event.event_id) == 1
    assert message.body == encode(event) and message.headers["x-error-reason"] == "permanent"
    assert bytes(message.headers["x-trace"]) == BAD


UNKNOWN_TYPE = json.dumps(
    {**json.loads(encode(event_of(RESERVED))), "event_type": "inventory.teleported"}
).encode()


@pytest.mark.parametrize("body", [b"\x00 not json", UNKNOWN_TYPE], ids=["not json", "unknown event type"])
async def test_a_malformed_message_goes_to_the_dlq_at_once(body, start_consumer, broker, publisher, recorder):
    counting = Counting(publisher)
    await start_consumer(publisher=counting)
    await publish_raw(publisher, body, "malformed")
    [message] = await dead_letter_or(broker, lambda: len(counting.calls) > 1)
    assert len(counting.calls) == 1  # one delivery, one copy to the DLQ
    assert message.body == body and message.headers["x-error-reason"] == "invalid"
    assert bytes(message.headers["x-trace"]) == BAD
    assert recorder.calls == []


async def test_a_dlq_copy_the_broker_does_not_take_is_retried_no_faster_than_the_requeue_delay(
    start_consumer,
    broker,
    publisher,
):
    """The DLQ publish fails twice: the message goes back to its queue each time, but only after the
    delay, so it is delivered three times in all (not thousands), then dead-lettered once."""
    delay_s = 0.5
    counting = Counting(publisher, fail_to=".dlq", fail=2)
    await start_consumer(publisher=counting, requeue_delay_s=delay_s)
    await publisher.publish(EXCHANGE, RESERVED, b"not json", message_id="refused-twice")  # plain headers
    [message] = await dead_letter_or(broker, lambda: len(counting.calls) > 3)
    tries = counting.to(".dlq")
    assert len(tries) == 3 and message.body == b"not json"
    assert all(later - earlier >= delay_s for earlier, later in itertools.pairwise(tries)), tries


async def test_a_copy_that_cannot_be_sent_at_all_is_dead_lettered_bare_as_permanent(
    start_consumer,
    broker,
    publisher,
    recorder,
):
    """Should a copy still fail before the broker sees it (as the headers once did), retrying cannot help:
    the message goes to the DLQ with our headers only, after one handler run."""
    counting = Counting(publisher, fail_to=".retry", fail=1, error=TypeError("x-trace error: Unknown type"))
    await start_consumer(publisher=counting)
    event = event_of(RESERVED)
    recorder.fail[event.order_id] = RuntimeError("carrier down")
    await publish_raw(publisher, encode(event), str(event.event_id))
    [message] = await dead_letter_or(broker, lambda: recorder.attempts(event.event_id) > 1)
    assert recorder.attempts(event.event_id) == 1 and message.body == encode(event)
    h = message.headers
    assert h["x-error-reason"] == "permanent" and "x-trace" not in h
    assert (
        h["x-error"]
        == "cannot be republished (TypeError: x-trace error: Unknown type); RuntimeError: carrier down"
    )
