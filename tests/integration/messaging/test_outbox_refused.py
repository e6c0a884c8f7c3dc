"""A row the broker refuses (unroutable) holds back nothing: the rows around it are published once and
marked sent, rows behind it are claimed, and it waits for its next attempt, later each time up to a cap,
with its attempts and last error on the row and in the gauges, until it can go."""

import asyncio
import contextlib
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from events import encode
from messaging.errors import PublishError
from messaging.outbox import OutboxRelay
from stack.wait import eventually
from tests.integration.messaging.recorder import take_all
from tests.unit.samples import event_of

RESERVED = "inventory.reserved"
EXCHANGE = "inventory.exchange"
BOUND_QUEUES = ("shipping.inventory-reserved", "order.inventory-reserved")
NOBODY = "inventory.nobody-listens"  # no queue is bound to it: the mandatory publish comes back


async def insert(pool, event, routing_key: str, age_s: float = 60) -> None:
    """An unsent row older than the relay's claim age: its writer never published it."""
    await pool.execute(
        "INSERT INTO outbox (event_id, order_id, exchange, routing_key, body, created_at)"
        " VALUES ($1, $2, $3, $4, $5, now() - make_interval(secs => $6))",
        event.event_id,
        event.order_id,
        EXCHANGE,
        routing_key,
        encode(event),
        age_s,
    )


async def row_of(pool, event):
    return await pool.fetchrow("SELECT * FROM outbox WHERE event_id = $1", event.event_id)


async def poll(r: OutboxRelay, batch_size: int) -> list[Exception]:
    """One poll as the running relay makes it: batches until one is not full, a failure ending it."""
    try:
        while await r.publish_batch() >= batch_size:
            pass
    except PublishError as exc:
        return [exc]
    return []


async def make_due(pool, event) -> None:
    await pool.execute("UPDATE outbox SET next_attempt_at = now() WHERE event_id = $1", event.event_id)


async def bind(broker, queue: str, routing_key: str) -> None:
    async with broker.channel() as channel:
        q = await channel.declare_queue(queue, durable=True)
        await q.bind(EXCHANGE, routing_key=routing_key)


@pytest.mark.parametrize("batch_size", [50, 2])
async def test_a_refused_row_holds_back_nothing_and_duplicates_nothing(batch_size, pool, broker, publisher):
    first, middle, last = (event_of(RESERVED) for _ in range(3))
    for event, key in ((first, RESERVED), (middle, NOBODY), (last, RESERVED)):
        await insert(pool, event, key)
    r = OutboxRelay(pool, publisher, "shipping", batch_size=batch_size, claim_after_s=5, retry_base_s=30)

    failures = [exc for _ in range(3) for exc in await poll(r, batch_size)]

    for queue in BOUND_QUEUES:  # each exactly once, however many polls
        assert sorted(m.message_id for m in await take_all(broker, queue)) == sorted(
            [str(first.event_id), str(last.event_id)]
        ), queue
    assert (await row_of(pool, first))["sent_at"] is not None
    assert (await row_of(pool, last))["sent_at"] is not None
    refused = await row_of(pool, middle)
    assert refused["sent_at"] is None and refused["attempts"] == 1
    assert f"{EXCHANGE}/{NOBODY}" in refused["last_error"]
    assert refused["next_attempt_at"] > await pool.fetchval(
        "SELECT clock_timestamp() + interval '25 seconds'"
    )
    assert failures == []  # a refusal is the row's, not a failure of the relay


async def test_a_refused_row_waits_longer_each_time_up_to_the_cap_and_goes_once_routable(
    pool, broker, publisher
):
    event = event_of(RESERVED)
    await insert(pool, event, NOBODY)
    r = OutboxRelay(
        pool, publisher, "shipping", batch_size=50, claim_after_s=5, retry_base_s=10, retry_max_s=40
    )
    for attempt, wait_s in enumerate([10, 20, 40, 40], start=1):
        before = await pool.fetchval("SELECT clock_timestamp()")
        assert await r.publish_batch() == 1
        after = await pool.fetchval("SELECT clock_timestamp()")
        row = await row_of(pool, event)
        assert row["attempts"] == attempt and row["sent_at"] is None
        wait = timedelta(seconds=wait_s)
        assert before + wait <= row["next_attempt_at"] <= after + wait, (
            attempt,
            row["next_attempt_at"] - before,
        )
        assert await r.publish_batch() == 0  # not claimed again before its time
        await make_due(pool, event)

    await bind(broker, "test.nobody-listens", NOBODY)
    assert await r.publish_batch() == 1
    row = await row_of(pool, event)
    assert row["sent_at"] is not None and row["attempts"] == 4  # its history stays for the record
    assert [m.message_id for m in await take_all(broker, "test.nobody-listens")] == [str(event.event_id)]
    assert await r.publish_batch() == 0


def gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value(name)


async def test_the_running_relay_counts_refused_rows_and_the_age_of_the_oldest(pool, broker, publisher):
    old, young, fine = event_of(RESERVED), event_of(RESERVED), event_of(RESERVED)
    await insert(pool, old, NOBODY, age_s=120)
    await insert(pool, young, NOBODY, age_s=60)
    await insert(pool, fine, RESERVED, age_s=60)
    r = OutboxRelay(
        pool, publisher, "shipping", batch_size=50, poll_interval_s=0.05, claim_after_s=5, retry_base_s=60
    )
    task = asyncio.create_task(r.run())
    try:
        await eventually(lambda: gauge("saga_outbox_failing_rows") == 2, 10, message="two failing rows")
        assert 120 <= gauge("saga_outbox_oldest_failing_age_seconds") < 180
        assert (await row_of(pool, fine))["sent_at"] is not None

        await bind(broker, "test.nobody-listens", NOBODY)
        await make_due(pool, old)
        await eventually(lambda: gauge("saga_outbox_failing_rows") == 1, 10, message="the old one sent")
        assert 60 <= gauge("saga_outbox_oldest_failing_age_seconds") < 120
        await make_due(pool, young)
        await eventually(lambda: gauge("saga_outbox_failing_rows") == 0, 10, message="none failing")
        assert gauge("saga_outbox_oldest_failing_age_seconds") == 0
        assert await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_refusal_is_logged_with_its_reason(pool, broker, publisher, caplog):
    event = event_of(RESERVED)
    await insert(pool, event, NOBODY)
    r = OutboxRelay(pool, publisher, "shipping", batch_size=50, claim_after_s=5)
    with caplog.at_level("WARNING", logger="messaging.refused"):
        assert await r.publish_batch() == 1
    [record] = [x for x in caplog.records if x.name == "messaging.refused"]
    assert (record.routing_key, record.attempts) == (NOBODY, 1)
    assert f"{EXCHANGE}/{NOBODY}" in record.error and record.retry_in_s > 0
