"""The publisher: confirmed, mandatory, persistent; anything the broker does not take is a PublishError."""

import pytest

from events import encode
from messaging.errors import PublishError
from tests.integration.messaging.recorder import take_all
from tests.unit.samples import event_of


async def test_a_confirmed_publish_is_in_every_bound_queue(broker, publisher):
    event = event_of("inventory.released")
    await publisher.publish(
        "inventory.exchange", event.event_type, encode(event), message_id=str(event.event_id)
    )
    for queue in ("payment.inventory-released", "shipping.inventory-released", "order.inventory-released"):
        [message] = await take_all(broker, queue)
        assert message.message_id == str(event.event_id) and message.body == encode(event)
        assert message.delivery_mode == 2


async def test_an_unroutable_publish_raises(publisher):
    with pytest.raises(PublishError, match="unroutable"):
        await publisher.publish("inventory.exchange", "inventory.nobody-listens", b"{}", message_id="m-1")


async def test_a_publish_to_a_missing_exchange_raises_and_the_publisher_recovers(broker, publisher):
    with pytest.raises(PublishError):
        await publisher.publish("nowhere.exchange", "inventory.reserved", b"{}", message_id="m-2")
    event = event_of("inventory.reserved")
    await publisher.publish(
        "inventory.exchange", event.event_type, encode(event), message_id=str(event.event_id)
    )
    assert [m.message_id for m in await take_all(broker, "shipping.inventory-reserved")] == [
        str(event.event_id)
    ]
