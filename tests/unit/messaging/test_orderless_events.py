"""Events that belong to no order (inventory.price_changed) pass through the shared code that sees every
event: the outbox writes and publishes them without an order id, a batch sorts them, logs say null."""

import logging
from uuid import uuid4

import orjson

from messaging.batch import by_order
from messaging.outbox import Outgoing
from runtime.logs import JsonFormatter, log_context
from tests.unit.samples import event_of, price_changed


def test_the_outbox_writes_an_orderless_event_with_a_null_order_id():
    event = price_changed()
    outgoing = Outgoing([event])
    assert f"('{event.event_id}'::uuid, NULL, 'inventory.exchange', 'inventory.price_changed'," in (
        outgoing.insert_literal()
    )
    assert outgoing.params()[1] == [None]
    [row] = outgoing.rows()
    assert row.order_id is None and row.routing_key == "inventory.price_changed"


def test_a_batch_sorts_orderless_events_first_and_keeps_the_saga_order():
    a, b = sorted([uuid4(), uuid4()])
    saga = [event_of("payment.approved", b), event_of("payment.approved", a), event_of("payment.failed", a)]
    price = price_changed()
    ordered = by_order([*saga, price])
    assert ordered == [price, saga[1], saga[2], saga[0]]


def test_a_log_line_of_an_orderless_event_has_a_null_order_id():
    event = price_changed()
    with log_context(event.order_id, event.event_id):
        record = logging.makeLogRecord({"msg": "applied", "levelname": "INFO"})
        line = orjson.loads(JsonFormatter("order").format(record))
    assert line["order_id"] is None and line["event_id"] == str(event.event_id)


def test_the_order_service_has_a_queue_of_its_own_for_price_changes_with_retry_and_dlq():
    from messaging.topology import bindings_of

    [b] = [b for b in bindings_of("order") if b.event_type == "inventory.price_changed"]
    assert (b.exchange, b.queue, b.retry_queue, b.dlq) == (
        "inventory.exchange",
        "order.inventory-price-changed",
        "order.inventory-price-changed.retry",
        "order.inventory-price-changed.dlq",
    )


def test_a_dead_letter_of_an_orderless_event_has_no_order_id():
    from types import SimpleNamespace

    from events import encode
    from messaging.dlq.letters import from_message

    event = price_changed()
    message = SimpleNamespace(
        headers={"x-error": "boom", "x-error-reason": "permanent", "x-attempts": 1},
        body=encode(event),
        correlation_id=None,  # as the relay publishes an event of no order
        message_id=str(event.event_id),
        user_id="saga-inventory",  # the producer's broker user, as every publish carries
    )
    letter = from_message("order.inventory-price-changed.dlq", message)  # type: ignore[arg-type]
    assert letter.order_id is None and letter.event_type == "inventory.price_changed"
    assert letter.summary()["order_id"] is None
