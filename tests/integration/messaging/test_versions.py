"""Schema versions on a real broker and database: a consumer applies version 1, 2 and 3 bodies alike and
dead-letters any other; what it and a unit of work emit is written, and published, in the version they
are given (a producer's EVENT_SCHEMA_VERSION), the latest (3) by default."""

import json

import orjson
import pytest

from events import LATEST_VERSION, SCHEMA_VERSIONS, Event, ShippingScheduled, encode
from messaging.outbox import OutboxRelay, Outgoing
from messaging.unit_of_work import UnitOfWork
from stack.wait import eventually
from tests.integration.messaging.recorder import depth, effects, take_all
from tests.unit.samples import event_of, with_added_fields

RESERVED = "inventory.reserved"
EXCHANGE = "inventory.exchange"
DLQ = "shipping.inventory-reserved.dlq"
SCHEDULED_QUEUE = "order.shipping-scheduled"  # one of the queues shipping.scheduled is routed to


def scheduling(recorder):
    """Shipping's handlers as the recorder's, each also emitting a shipping.scheduled that carries
    version 2's shipments."""

    async def handle(event: Event, uow: UnitOfWork) -> None:
        await recorder.handle(event, uow)
        sample = with_added_fields(event_of("shipping.scheduled", event.order_id))
        uow.outbox.append(event.caused(ShippingScheduled, sample.payload))

    return dict.fromkeys(recorder.handlers(), handle)


async def outbox_bodies(pool) -> list[dict]:
    return [orjson.loads(r["body"]) for r in await pool.fetch("SELECT body FROM outbox ORDER BY id")]


@pytest.mark.parametrize("written", [None, *SCHEMA_VERSIONS], ids=lambda v: f"writes-{v or 'default'}")
async def test_a_consumer_applies_every_version_and_emits_the_one_it_is_given(
    start_consumer, broker, pool, publisher, recorder, written
):
    relay = OutboxRelay(pool, publisher, "shipping", claim_after_s=0)
    options = {} if written is None else {"schema_version": written}
    await start_consumer(scheduling(recorder), on_commit=relay.committed, **options)
    incoming = {version: with_added_fields(event_of(RESERVED)) for version in SCHEMA_VERSIONS}
    for version, event in incoming.items():
        body = encode(event, version)
        assert json.loads(body)["schema_version"] == version
        await publisher.publish(EXCHANGE, RESERVED, body, message_id=str(event.event_id))
    for event in incoming.values():
        await eventually(lambda e=event: effects(pool, e.event_id), 10, message="applied")

    expected = written or LATEST_VERSION
    bodies = await outbox_bodies(pool)
    assert sorted(b["causation_id"] for b in bodies) == sorted(str(e.event_id) for e in incoming.values())
    assert {b["schema_version"] for b in bodies} == {expected}
    assert {"shipments" in b["payload"] for b in bodies} == {expected >= 2}

    await relay.flush()  # the relay publishes the rows as they were written
    await eventually(lambda: _at_least(broker, SCHEDULED_QUEUE, 2), 10, message="published")
    published = [json.loads(m.body) for m in await take_all(broker, SCHEDULED_QUEUE)]
    assert sorted(published, key=str) == sorted(bodies, key=str)


async def _at_least(broker, queue: str, n: int) -> bool:
    return await depth(broker, queue) >= n


async def test_a_version_1_body_with_a_version_2_field_goes_to_the_dlq(
    start_consumer, broker, pool, publisher, recorder
):
    await start_consumer()
    event = with_added_fields(event_of(RESERVED))
    data = json.loads(encode(event))
    data["schema_version"] = 1
    body = json.dumps(data).encode()
    await publisher.publish(EXCHANGE, RESERVED, body, message_id=str(event.event_id))
    await eventually(lambda: _at_least(broker, DLQ, 1), 15, 0.05, "dead-lettered")
    [message] = await take_all(broker, DLQ)
    assert message.body == body and message.headers["x-error-reason"] == "invalid"
    assert "schema_version 1 has no allocations" in message.headers["x-error"]
    assert recorder.attempts(event.event_id) == 0


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
async def test_a_unit_of_work_and_a_statement_of_its_own_write_the_version_they_are_given(pool, version):
    """UnitOfWork (consumers, the sweeper) and Outgoing's parameters (order's POST /orders statement)."""
    by_uow, by_params = (
        with_added_fields(event_of("payment.approved")),
        with_added_fields(event_of("payment.approved")),
    )
    async with UnitOfWork(pool, schema_version=version) as uow:
        uow.outbox.append(by_uow)
        await uow.commit()
    outgoing = Outgoing([by_params], version)
    await pool.execute(
        "INSERT INTO outbox (event_id, order_id, exchange, routing_key, body, created_at)"
        " SELECT * , now() FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::bytea[])",
        *outgoing.params(),
    )
    bodies = await outbox_bodies(pool)
    assert [b["event_id"] for b in bodies] == [str(by_uow.event_id), str(by_params.event_id)]
    assert [b["schema_version"] for b in bodies] == [version, version]
    assert [("hold_id" in b["payload"]) for b in bodies] == [version >= 2] * 2  # added in version 2
    assert [("customer_id" in b["payload"]) for b in bodies] == [version >= 3] * 2  # added in version 3
    assert [r.body for r in outgoing.rows()] == [encode(by_params, version)]
