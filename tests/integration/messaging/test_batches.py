"""Deliveries that wait together are applied together: one transaction for many events, each event
still applied once, and a bad event in a batch costs itself one attempt without holding back the rest."""

from uuid import UUID

from stack.wait import eventually
from tests.integration.messaging.recorder import depth, effects, inbox
from tests.integration.messaging.test_consumer import DLQ, QUEUE, RESERVED, dead_letters, publish
from tests.unit.samples import event_of


class TransactionLog:
    """The recorder's handler, noting which transaction applied each event."""

    def __init__(self, recorder) -> None:
        self.recorder, self.txid = recorder, {}

    async def handle(self, event, uow) -> None:
        self.txid.setdefault(event.event_id, set()).add(await uow.conn.fetchval("SELECT txid_current()"))
        await self.recorder.handle(event, uow)

    def handlers(self) -> dict:
        return dict.fromkeys(self.recorder.handlers(), self.handle)


async def _all_applied(pool, ids: list[UUID]) -> bool:
    return await pool.fetchval(
        "SELECT count(DISTINCT event_id) FROM effects WHERE event_id = ANY($1)", ids
    ) == len(ids)


async def test_waiting_deliveries_are_applied_in_shared_transactions_each_once(
    start_consumer,
    broker,
    pool,
    publisher,
    recorder,
):
    events = [event_of(RESERVED) for _ in range(40)]
    for event in events + events[:5]:  # five of them delivered twice
        await publish(publisher, event)
    log = TransactionLog(recorder)
    consumer = await start_consumer(log.handlers(), prefetch=64, workers=1, batch_size=50)

    ids = [e.event_id for e in events]
    await eventually(lambda: _all_applied(pool, ids), 15, message="every event applied")
    await consumer.stop(timeout_s=5)  # finishes the batch in hand; anything unacked goes back to the queue
    assert await depth(broker, QUEUE) == 0
    for event in events:
        assert await effects(pool, event.event_id) == 1
        assert len(await inbox(pool, event.event_id)) == 1
    committed = {tx for tx_ids in log.txid.values() for tx in tx_ids}
    assert len(committed) < len(events) // 2, f"{len(events)} events in {len(committed)} transactions"


async def test_a_failing_event_in_a_batch_costs_one_attempt_and_the_rest_is_applied(
    start_consumer,
    broker,
    pool,
    publisher,
    recorder,
):
    events = [event_of(RESERVED) for _ in range(30)]
    poison = events[7]
    recorder.fail[poison.order_id] = RuntimeError("cannot ship this one")
    for event in events:
        await publish(publisher, event)
    await start_consumer(prefetch=64, workers=1, batch_size=50, max_attempts=3)

    [message] = await dead_letters(broker)
    assert message.headers["x-attempts"] == 3
    assert recorder.attempts(poison.event_id) == 3  # once per delivery, never once per batch it was in
    good = [e.event_id for e in events if e is not poison]
    await eventually(lambda: _all_applied(pool, good), 15, message="the other events applied")
    assert await effects(pool, poison.event_id) == 0
    assert await depth(broker, DLQ) == 0  # taken above: only the poison was dead-lettered
