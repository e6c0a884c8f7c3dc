"""The DLQ tool against a real broker, with messages dead-lettered by the real consumer.

A payment consumer runs on its own vhost and database with a handler that fails for chosen orders:
those are retried, then dead-lettered with the consumer's own headers. The tool must list them with
their error, attempts, order id and age, show one, replay one or all (confirmed before the DLQ copy is
acked: never lost, never doubled), and purge only after confirmation.
"""

import asyncio
import builtins
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from uuid import UUID, uuid4

import aio_pika
import asyncpg
import pytest
import pytest_asyncio

from events import Event
from messaging import dlq
from messaging.consumer import Consumer
from messaging.dlq.cli import run
from messaging.errors import PublishError
from messaging.outbox import OutboxRelay
from messaging.publisher import Publisher
from messaging.tables import MIGRATIONS as MESSAGING_MIGRATIONS
from messaging.unit_of_work import UnitOfWork
from messaging.users import OPERATOR, publishers, user_name
from runtime.db import ensure_database, migrate
from stack.broker_users import create_broker_users, delete_broker_users
from stack.infra import Infra, delete_vhost, drop_databases, run_id
from stack.wait import eventually
from tests.unit.samples import order_created

QUEUE = "payment.order-created"
DLQ = "payment.order-created.dlq"
MAX_ATTEMPTS = 3


@dataclass
class FlakyHandler:
    """Fails for the orders in `broken` (a card processor that is down for them); records the rest."""

    broken: set[UUID] = field(default_factory=set)
    applied: list[UUID] = field(default_factory=list)

    async def __call__(self, event: Event, uow: UnitOfWork) -> None:
        if event.order_id in self.broken:
            raise RuntimeError(f"card processor unreachable for order {event.order_id}")
        self.applied.append(event.event_id)


@dataclass
class World:
    url: str  # the operator's (an impersonator): the tool's user, and the one these tests publish with
    prefix: str  # of the broker users' names
    db_url: str
    pool: asyncpg.Pool
    connection: aio_pika.abc.AbstractRobustConnection
    publisher: Publisher
    consumer: Consumer
    handler: FlakyHandler

    async def place(self, broken: bool = False) -> Event:
        order_id = uuid4()
        if broken:
            self.handler.broken.add(order_id)
        event = order_created("10.00", order_id)
        await self.publisher.publish(
            "order.exchange",
            "order.created",
            event.model_dump_json().encode(),
            message_id=str(event.event_id),
            correlation_id=str(order_id),
            user_id=user_name(self.prefix, "order"),  # in the producer's name, as its relay would
        )
        return event

    async def dead_letters(self, n: int) -> None:
        await eventually(lambda: self._count_is(n), 20, 0.05, f"{n} message(s) in {DLQ}")

    async def _count_is(self, n: int) -> bool:
        return await dlq.count(self.connection, DLQ) == n


@pytest_asyncio.fixture
async def world(infra: Infra, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    """The consumer logs in as payment's user; the tool and the tests as the operator."""
    rid = run_id()
    vhost = f"saga-test-{rid}"
    users = await create_broker_users(infra, vhost, rid, "classic")  # the topology too
    monkeypatch.setenv("RABBITMQ_USER_PREFIX", users.prefix)  # the tool names the producers' users with it
    url = users.url(infra.vhost_url(vhost), OPERATOR)
    db_url = infra.database_url(f"saga_{rid}_dlqtool")
    await ensure_database(db_url)
    await asyncio.to_thread(migrate, db_url, MESSAGING_MIGRATIONS)  # the shared outbox and inbox tables only
    pool = await asyncpg.create_pool(db_url, min_size=1, max_size=4, command_timeout=5)
    connection = await aio_pika.connect_robust(url, timeout=10)
    as_payment = await aio_pika.connect_robust(users.url(infra.vhost_url(vhost), "payment"), timeout=10)
    try:
        publisher = Publisher(connection, 5)
        handler = FlakyHandler()
        consumer = Consumer(
            as_payment,
            pool,
            Publisher(as_payment, 5),
            "payment",
            dict.fromkeys(("order.created", "inventory.failed", "inventory.released"), handler),
            publishers=publishers(users.prefix),
            prefetch=8,
            max_attempts=MAX_ATTEMPTS,
            retry_base_delay_ms=10,
            handler_timeout_s=5,
        )
        await consumer.start()
        yield World(url, users.prefix, db_url, pool, connection, publisher, consumer, handler)
        await consumer.stop(5)
    finally:
        await as_payment.close()
        await connection.close()
        await pool.close()
        await delete_vhost(infra, vhost)
        await delete_broker_users(infra, users)
        await drop_databases(infra, f"saga_{rid}_")


async def _invalid(world: World, body: bytes = b"{not json") -> str:
    message_id = str(uuid4())
    await world.publisher.publish(
        "", QUEUE, body, message_id=message_id, user_id=user_name(world.prefix, "order")
    )
    return message_id


async def test_list_shows_error_attempts_order_and_age(world: World) -> None:
    poison = [await world.place(broken=True) for _ in range(2)]
    good = await world.place()
    garbage = await _invalid(world)
    await world.dead_letters(3)
    await eventually(lambda: good.event_id in world.handler.applied, 10, 0.05, "the good order applied")

    letters = await dlq.list_letters(world.connection, DLQ)
    again = await dlq.list_letters(world.connection, DLQ)
    assert [x.message_id for x in letters] == [x.message_id for x in again], "browsing reorders or consumes"
    assert await dlq.count(world.connection, DLQ) == 3
    by_id = {x.message_id: x for x in letters}
    for event in poison:
        x = by_id[str(event.event_id)]
        assert (x.attempts, x.reason, x.order_id, x.event_type, x.queue) == (
            MAX_ATTEMPTS,
            "attempts_exhausted",
            str(event.order_id),
            "order.created",
            QUEUE,
        )
        assert "card processor unreachable" in x.error
        assert x.age_s is not None and 0 <= x.age_s < 60
    bad = by_id[garbage]
    assert (bad.attempts, bad.reason, bad.order_id) == (1, "invalid", None)
    assert bad.error.startswith("invalid event")


async def test_show_prints_headers_and_body(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    event = await world.place(broken=True)
    await world.dead_letters(1)
    assert await run(["--url", world.url, "show", QUEUE, str(event.event_id)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["order_id"] == str(event.order_id)
    assert shown["headers"]["x-attempts"] == str(MAX_ATTEMPTS)
    assert shown["body"]["event_id"] == str(event.event_id)
    assert await run(["--url", world.url, "show", QUEUE, str(uuid4())]) == 1
    assert await dlq.count(world.connection, DLQ) == 1, "show took the message off the DLQ"


async def test_replay_one_then_all_applies_each_once(world: World) -> None:
    first, second = await world.place(broken=True), await world.place(broken=True)
    await world.dead_letters(2)

    # payment published the DLQ copies: they carry payment's user_id, which payment would
    # refuse from anyone but its own retry queue; the replay is published in the producer's name again
    assert {x.user_id for x in await dlq.list_letters(world.connection, DLQ)} == {
        user_name(world.prefix, "payment")
    }
    world.handler.broken.discard(first.order_id)  # the bug is fixed for the first order only
    replayed = await dlq.replay(world.connection, DLQ, str(first.event_id), user_prefix=world.prefix)
    assert [x.message_id for x in replayed] == [str(first.event_id)]
    await eventually(lambda: first.event_id in world.handler.applied, 10, 0.05, "the replayed event applied")
    assert await dlq.count(world.connection, DLQ) == 1

    # still broken: a replay goes through every attempt again and comes back, once, marked as replayed
    assert len(await dlq.replay(world.connection, DLQ, user_prefix=world.prefix)) == 1
    await world.dead_letters(1)
    await eventually(lambda: _replayed_letter(world), 10, 0.05, "the letter back with x-replay-count")
    [back] = await dlq.list_letters(world.connection, DLQ)
    assert (back.message_id, back.attempts, back.headers["x-replay-count"]) == (
        str(second.event_id),
        MAX_ATTEMPTS,
        1,
    )

    world.handler.broken.clear()
    await run(["--url", world.url, "replay", QUEUE, "--all"])
    await eventually(lambda: second.event_id in world.handler.applied, 10, 0.05, "the second event applied")
    assert await dlq.count(world.connection, DLQ) == 0
    assert sorted(map(str, world.handler.applied)) == sorted([str(first.event_id), str(second.event_id)])


async def _replayed_letter(world: World) -> bool:
    letters = await dlq.list_letters(world.connection, DLQ)
    return len(letters) == 1 and letters[0].headers.get("x-replay-count") == 1


async def test_replay_that_cannot_be_confirmed_loses_nothing_and_doubles_nothing(world: World) -> None:
    for _ in range(3):
        await world.place(broken=True)
    await world.dead_letters(3)
    await world.consumer.stop(5)
    before = [x.message_id for x in await dlq.list_letters(world.connection, DLQ)]
    async with world.connection.channel() as channel:
        await channel.queue_delete(QUEUE)  # the replay's mandatory publish is now unroutable

    with pytest.raises(PublishError):
        await dlq.replay(world.connection, DLQ, user_prefix=world.prefix)
    after = [x.message_id for x in await dlq.list_letters(world.connection, DLQ)]
    assert after == before, "a failed replay lost or moved a message"

    async with world.connection.channel() as channel:
        await channel.declare_queue(QUEUE, durable=True, arguments={"x-queue-type": "classic"})
    assert len(await dlq.replay(world.connection, DLQ, user_prefix=world.prefix)) == 3
    assert await dlq.count(world.connection, QUEUE) == 3, "a replay doubled or lost a message"
    assert await dlq.count(world.connection, DLQ) == 0
    # dead-lettered by payment (its user_id), replayed in the producer's name: what payment accepts
    async with world.connection.channel() as channel:
        queue = await channel.get_queue(QUEUE)
        copies = [await queue.get(timeout=5) for _ in range(3)]
        assert {m.user_id for m in copies} == {user_name(world.prefix, "order")}
        for m in copies:
            await m.nack(requeue=True)


async def test_purge_only_after_confirmation(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(3):
        await world.place(broken=True)
    await world.dead_letters(3)
    ids = [x.message_id for x in await dlq.list_letters(world.connection, DLQ)]

    monkeypatch.setattr(builtins, "input", lambda prompt: "yes")  # not the queue's name
    assert await run(["--url", world.url, "purge", QUEUE]) == 1
    assert await dlq.count(world.connection, DLQ) == 3

    monkeypatch.setattr(builtins, "input", lambda prompt: DLQ)
    assert await run(["--url", world.url, "purge", QUEUE, "--id", ids[1]]) == 0
    remaining = await dlq.list_letters(world.connection, DLQ)
    assert [x.message_id for x in remaining] == [ids[0], ids[2]]
    assert await run(["--url", world.url, "purge", DLQ, "--yes"]) == 0
    assert await dlq.count(world.connection, DLQ) == 0


async def test_command_line_lists_as_json_lines(world: World) -> None:
    event = await world.place(broken=True)
    await world.dead_letters(1)
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "messaging.dlq", "--url", world.url, "list", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    listed = json.loads(line)
    assert (listed["dlq"], listed["order_id"], listed["attempts"]) == (DLQ, str(event.order_id), MAX_ATTEMPTS)
    assert await run(["--url", world.url, "list", "no.such-queue"]) == 2


async def _outbox_row(world: World, routing_key: str, age_s: float, sent: bool = False) -> Event:
    event = order_created("10.00")
    await world.pool.execute(
        "INSERT INTO outbox (event_id, order_id, exchange, routing_key, body, created_at, sent_at)"
        " VALUES ($1, $2, 'order.exchange', $3, $4, now() - make_interval(secs => $5), CASE WHEN $6 THEN now() END)",
        event.event_id,
        event.order_id,
        routing_key,
        event.model_dump_json().encode(),
        age_s,
        sent,
    )
    return event


async def test_outbox_lists_unsent_rows_with_attempts_age_next_attempt_and_error(
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stuck = await _outbox_row(world, "order.nobody-listens", age_s=90)  # no queue bound: refused
    young = await _outbox_row(world, "order.created", age_s=0)  # its writer is publishing it now
    await _outbox_row(world, "order.created", age_s=90, sent=True)
    relay = OutboxRelay(world.pool, world.publisher, "order", claim_after_s=5, retry_base_s=30)
    assert await relay.publish_batch() == 1  # the stuck one, refused: it waits 30 s for its next attempt

    assert await run(["outbox", "--database-url", world.db_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "2 unsent outbox row(s), 1 refused by the broker"
    [line] = [x for x in out if str(stuck.event_id) in x]
    age, tries, next_attempt, event_type, event_id, *error = line.split()
    assert (tries, event_type, event_id) == ("1", "order.nobody-listens", str(stuck.event_id))
    assert 85 <= float(age.rstrip("s")) < 150 and 20 <= float(next_attempt.rstrip("s")) <= 30
    assert "unroutable or nacked: order.exchange/order.nobody-listens" in " ".join(error)
    assert any(str(young.event_id) in x for x in out)

    monkeypatch.setenv("DATABASE_URL", world.db_url)  # as the service reads it
    assert await run(["outbox", "--refused", "--json"]) == 0
    [listed] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert (listed["event_id"], listed["order_id"], listed["event_type"], listed["attempts"]) == (
        str(stuck.event_id),
        str(stuck.order_id),
        "order.nobody-listens",
        1,
    )
    assert 20 <= listed["next_attempt_in_s"] <= 30 and listed["next_attempt_at"] is not None
    assert listed["age_s"] >= 85 and "unroutable or nacked" in listed["last_error"]

    monkeypatch.delenv("DATABASE_URL")
    assert await run(["outbox"]) == 2
    assert "--database-url or DATABASE_URL" in capsys.readouterr().err
