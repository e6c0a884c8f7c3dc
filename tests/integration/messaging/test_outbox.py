"""The transactional outbox on a real database and broker: events exist if and only if the state
change does; the relay marks a row sent only after the broker confirmed it; a crash between the
confirm and the mark publishes the row again (a duplicate the inbox absorbs), never loses it."""

import asyncio
import contextlib

import asyncpg
import pytest

import messaging.outbox
from events import decode, encode
from messaging.literals import text
from messaging.outbox import OutboxRelay, Outgoing, Row
from messaging.topology import BINDINGS
from messaging.unit_of_work import UnitOfWork
from runtime.db import create_pool
from runtime.settings import ServiceSettings
from stack.wait import eventually
from tests.integration.messaging.recorder import consumed, depth, effects, inbox, take_all
from tests.unit.samples import event_of

RESERVED = "inventory.reserved"
QUEUE = "shipping.inventory-reserved"
BOUND_QUEUES = (QUEUE, "order.inventory-reserved")  # everyone who consumes inventory.reserved


async def record(uow: UnitOfWork, event) -> None:
    await uow.conn.execute(
        "INSERT INTO effects (event_id, order_id, event_type) VALUES ($1, $2, $3)",
        event.event_id,
        event.order_id,
        event.event_type,
    )


async def outbox_rows(pool, event_id=None) -> list:
    return await pool.fetch(
        "SELECT * FROM outbox WHERE $1::uuid IS NULL OR event_id = $1 ORDER BY id", event_id
    )


async def unsent(pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")


async def equals(value, expected) -> bool:
    return await value == expected


async def commit_and_hand(pool, r: OutboxRelay, events) -> None:
    async with UnitOfWork(pool, on_commit=r.committed) as uow:
        uow.outbox.extend(events)
        await uow.commit()


async def commit_events(pool, events) -> None:
    async with UnitOfWork(pool) as uow:
        for event in events:
            await record(uow, event)
            uow.outbox.append(event)
        await uow.commit()


def relay(pool, db_url, publisher, claim_after_s: float = 0) -> OutboxRelay:
    return OutboxRelay(pool, publisher, "shipping", batch_size=50, claim_after_s=claim_after_s)


async def test_the_state_change_and_its_events_commit_together(pool):
    event = event_of(RESERVED)
    handed = []
    async with UnitOfWork(pool, on_commit=handed.extend) as uow:
        await record(uow, event)
        uow.outbox.append(event)
        await uow.commit()
    assert await effects(pool, event.event_id) == 1
    [row] = await outbox_rows(pool, event.event_id)
    assert (row["exchange"], row["routing_key"], row["order_id"]) == (
        "inventory.exchange",
        RESERVED,
        event.order_id,
    )
    assert row["sent_at"] is None
    assert decode(bytes(row["body"]), RESERVED) == event
    assert [(r.event_id, r.routing_key, r.body) for r in handed] == [
        (event.event_id, RESERVED, row["body"])
    ]  # at once


async def test_a_unit_of_work_that_raises_leaves_neither_state_nor_events(pool):
    event = event_of(RESERVED)
    with pytest.raises(RuntimeError, match="handler bug"):
        async with UnitOfWork(pool) as uow:
            await record(uow, event)
            uow.outbox.append(event)
            raise RuntimeError("handler bug")
    assert await effects(pool, event.event_id) == 0
    assert await outbox_rows(pool) == []


async def test_a_unit_of_work_left_without_commit_leaves_neither(pool):
    event = event_of(RESERVED)
    async with UnitOfWork(pool) as uow:
        await record(uow, event)
        uow.outbox.append(event)
    assert await effects(pool, event.event_id) == 0
    assert await outbox_rows(pool) == []


async def test_an_outbox_write_that_fails_takes_the_state_change_with_it(pool):
    first = event_of(RESERVED)
    await commit_events(pool, [first])
    other = event_of(RESERVED)
    with pytest.raises(Exception, match="duplicate key"):
        async with UnitOfWork(pool) as uow:
            await record(uow, other)
            uow.outbox.extend([other, first])  # `first` is in the outbox already: the insert fails
            await uow.commit()
    assert await effects(pool, other.event_id) == 0
    assert [r["event_id"] for r in await outbox_rows(pool)] == [first.event_id]


async def test_the_relay_publishes_with_confirms_then_marks_sent(pool, db_url, broker, publisher):
    events = [event_of(RESERVED) for _ in range(3)]
    await commit_events(pool, events)
    assert await relay(pool, db_url, publisher).publish_batch() == 3
    assert await unsent(pool) == 0
    for queue in BOUND_QUEUES:
        messages = await take_all(broker, queue)
        assert sorted(m.message_id for m in messages) == sorted(str(e.event_id) for e in events)
        for m in messages:
            event = decode(m.body, RESERVED)
            assert m.delivery_mode == 2 and m.content_type == "application/json"
            assert m.correlation_id == str(event.order_id)
    assert await relay(pool, db_url, publisher).publish_batch() == 0  # nothing is sent twice


async def test_a_publish_the_broker_does_not_confirm_is_not_marked_sent(pool, db_url, broker, publisher):
    event = event_of(RESERVED)
    await pool.execute(  # a routing key no queue is bound to: the mandatory publish comes back
        "INSERT INTO outbox (event_id, order_id, exchange, routing_key, body)"
        " VALUES ($1, $2, 'inventory.exchange', 'inventory.nobody-listens', $3)",
        event.event_id,
        event.order_id,
        encode(event),
    )
    assert await relay(pool, db_url, publisher).publish_batch() == 1
    assert await unsent(pool) == 1  # refused: it waits for its next attempt (test_outbox_refused.py)


class Crash(Exception):
    """Stands for the process dying between the broker's confirm and the UPDATE marking the row sent."""


async def test_a_crash_between_confirm_and_mark_sent_gives_a_duplicate_never_a_loss(
    monkeypatch,
    pool,
    db_url,
    broker,
    publisher,
    start_consumer,
    recorder,
):
    event = event_of(RESERVED)
    await commit_events(pool, [event])

    async def crash_after_publish(name: str, key: object = None) -> None:
        if name == "shipping.after_publish_before_mark_sent":
            raise Crash(name)

    monkeypatch.setattr(messaging.outbox, "fault_point", crash_after_publish)
    with pytest.raises(Crash):
        await relay(pool, db_url, publisher).publish_batch()
    assert await unsent(pool) == 1  # the mark rolled back with the "crash"
    assert await depth(broker, QUEUE) == 1  # but the broker has the message

    monkeypatch.undo()  # "restart": the relay finds the row unsent and publishes it again
    assert await relay(pool, db_url, publisher).publish_batch() == 1
    assert await unsent(pool) == 0
    assert await depth(broker, QUEUE) == 2

    duplicates_before = consumed(QUEUE, "duplicate")
    await start_consumer()
    await eventually(
        lambda: consumed(QUEUE, "duplicate") - duplicates_before == 1, 10, message="duplicate acked"
    )
    assert recorder.attempts(event.event_id) == 1
    assert len(await inbox(pool, event.event_id)) == 1


async def test_rows_handed_over_at_commit_are_published_from_memory_and_marked_sent(
    pool, db_url, broker, publisher
):
    r = relay(pool, db_url, publisher, claim_after_s=60)
    events = [event_of(RESERVED) for _ in range(3)]
    async with UnitOfWork(pool, on_commit=r.committed) as uow:
        uow.outbox.extend(events)
        await uow.commit()
    assert await r.publish_handed() == 3
    assert await unsent(pool) == 3  # published; marked a moment later, in one write for many commits
    await r.mark_sent()
    assert await unsent(pool) == 0
    for queue in BOUND_QUEUES:
        assert sorted(m.message_id for m in await take_all(broker, queue)) == sorted(
            str(e.event_id) for e in events
        )
    assert await r.publish_handed() == 0  # handed over once, published once


async def test_the_poller_leaves_young_rows_to_their_writer_and_takes_them_once_old(
    pool, db_url, broker, publisher
):
    """A row its writer is publishing right now must not be published by another replica too; a row its
    writer never published (it crashed) is published by whoever polls after `claim_after_s`."""
    events = [event_of(RESERVED) for _ in range(2)]
    await commit_events(pool, events)  # handed to nobody: as if the writer died at its commit
    poller = relay(pool, db_url, publisher, claim_after_s=30)
    assert await poller.publish_batch() == 0
    assert await unsent(pool) == 2
    await pool.execute("UPDATE outbox SET created_at = created_at - interval '31 seconds'")
    assert await poller.publish_batch() == 2
    assert await unsent(pool) == 0
    assert len(await take_all(broker, QUEUE)) == 2


async def test_a_handed_row_the_broker_refuses_stays_unsent_for_the_poller(pool, db_url, broker, publisher):
    r = relay(pool, db_url, publisher, claim_after_s=60)
    ok, refused = event_of(RESERVED), event_of(RESERVED)
    rows = []
    for event, key in (
        (ok, RESERVED),
        (refused, "inventory.nobody-listens"),
    ):  # no queue bound: it comes back
        await pool.execute(
            "INSERT INTO outbox (event_id, order_id, exchange, routing_key, body)"
            " VALUES ($1, $2, 'inventory.exchange', $3, $4)",
            event.event_id,
            event.order_id,
            key,
            encode(event),
        )
        rows.append(Row(event.event_id, event.order_id, "inventory.exchange", key, encode(event)))
    r.committed(rows)
    assert await r.publish_handed() == 1
    await r.mark_sent()
    [left] = [row for row in await outbox_rows(pool) if row["sent_at"] is None]
    assert (left["event_id"], left["attempts"]) == (refused.event_id, 1)
    assert "nobody-listens" in left["last_error"] and left["next_attempt_at"] is not None
    assert await r.publish_handed() == 0  # not kept in memory: the poller owns it now


async def test_a_transaction_already_failed_is_not_reported_committed(pool):
    """PostgreSQL answers the COMMIT of a failed transaction with a rollback, not an error: the unit of
    work must not take that for a commit (nor hand its events to the relay)."""
    event = event_of(RESERVED)
    handed = []
    with pytest.raises(asyncpg.InFailedSQLTransactionError):
        async with UnitOfWork(pool, on_commit=handed.extend) as uow:
            await record(uow, event)
            with contextlib.suppress(asyncpg.PostgresError):  # a handler that swallowed a database error
                await uow.conn.execute("SELECT 1/0")
            await uow.commit()
    assert handed == [] and not uow.committed
    assert await effects(pool, event.event_id) == 0
    assert await outbox_rows(pool) == []


@pytest.mark.parametrize(
    "setting",
    [
        "standard_conforming_strings = on",
        "standard_conforming_strings = off",
        "backslash_quote = off",
    ],
)
async def test_outbox_rows_written_as_literals_read_back_exactly(pool, setting):
    """The rows are written out as literals (to share the COMMIT's round trip): every name of the topology
    and every body byte reads back as it was, whatever the session's string settings say (backslash_quote
    = off refuses a quote written as \\'; none is written)."""
    events = [event_of(RESERVED) for _ in range(3)]
    names = sorted({n for b in BINDINGS for n in (b.queue, b.retry_queue, b.dlq, b.exchange, b.event_type)})
    async with pool.acquire() as conn:
        await conn.execute(f"SET {setting}")
        try:
            read = await conn.fetch(f"SELECT unnest(ARRAY[{', '.join(map(text, names))}]) AS n")
            assert [r["n"] for r in read] == names
            await conn.execute(Outgoing(events).insert_literal())
        finally:
            await conn.execute("RESET ALL")
    rows = await outbox_rows(pool)
    assert [(r["event_id"], r["exchange"], r["routing_key"], bytes(r["body"])) for r in rows] == [
        (e.event_id, "inventory.exchange", RESERVED, encode(e)) for e in events
    ]


async def test_marking_sent_leaves_the_sessions_commit_durability_alone(pool, db_url, broker, publisher):
    """Marks are committed without waiting for the WAL flush (a lost mark is a duplicate, absorbed), by a
    transaction-local setting: the pooled connection goes back as durable as it came."""
    settings = ServiceSettings(
        database_url=db_url, http_port=0, metrics_port=0, db_pool_min_size=1, db_pool_max_size=1
    )
    async with await create_pool(settings) as single:  # the services' pool: it keeps session settings
        r = OutboxRelay(single, publisher, "shipping", batch_size=50, claim_after_s=0)
        async with UnitOfWork(single, on_commit=r.committed) as uow:
            uow.outbox.append(event_of(RESERVED))
            await uow.commit()
        assert await r.publish_handed() == 1
        await r.mark_sent()
        await commit_events(single, [event_of(RESERVED)])
        assert await r.publish_batch() == 1
        assert await single.fetchval("SHOW synchronous_commit") == "on"
    assert await unsent(pool) == 0


class DatabaseAway:
    """The relay's pool while the database is away, then back."""

    def __init__(self, pool) -> None:
        self.pool, self.away = pool, True

    async def execute(self, *args):
        if self.away:
            raise ConnectionError("database away")
        return await self.pool.execute(*args)


async def test_marks_that_fail_are_kept_and_written_on_the_next_try(pool, db_url, broker, publisher):
    flaky = DatabaseAway(pool)
    r = OutboxRelay(flaky, publisher, "shipping", batch_size=50, claim_after_s=60)
    await commit_and_hand(pool, r, [event_of(RESERVED) for _ in range(2)])
    assert await r.publish_handed() == 2
    with pytest.raises(ConnectionError):
        await r.mark_sent()
    assert await unsent(pool) == 2
    flaky.away = False
    await r.mark_sent()
    assert await unsent(pool) == 0


async def test_the_running_relay_publishes_at_once_and_marks_soon_after(pool, db_url, broker, publisher):
    r = relay(pool, db_url, publisher, claim_after_s=60)
    task = asyncio.create_task(r.run())
    try:
        events = [event_of(RESERVED) for _ in range(3)]
        await commit_and_hand(pool, r, events)
        await eventually(lambda: equals(depth(broker, QUEUE), 3), 5, message="published")
        await eventually(lambda: equals(unsent(pool), 0), 5, message="marked sent")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
