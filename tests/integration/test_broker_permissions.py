"""Each service's broker user may do only what the service does: the payment user cannot publish to
order's exchange (nor the default exchange), cannot read order's queues, cannot declare or delete a
queue (each ACCESS_REFUSED); it can read its own queues and publish to its own exchanges. The users and
topology are those of the definitions document, imported into a vhost of the test's own."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import aio_pika
import pytest
import pytest_asyncio
from aio_pika.abc import AbstractChannel
from aiormq.exceptions import ChannelAccessRefused

from messaging.publisher import Publisher
from stack.broker_users import BrokerUsers, create_broker_users, delete_broker_users
from stack.infra import Infra, create_vhost, delete_vhost, run_id

REFUSED = ChannelAccessRefused


@dataclass
class Broker:
    url: str  # the vhost's, as the administrator
    users: BrokerUsers

    async def as_user(self, role: str, action: Callable[[AbstractChannel], Awaitable[object]]) -> object:
        async with await aio_pika.connect(self.users.url(self.url, role), timeout=10) as connection:
            channel = await connection.channel(publisher_confirms=True)
            return await action(channel)


@pytest_asyncio.fixture
async def broker(infra: Infra) -> AsyncIterator[Broker]:
    rid = run_id()
    vhost = f"saga-test-{rid}"
    url = await create_vhost(infra, vhost)
    users = await create_broker_users(infra, vhost, rid)
    try:
        yield Broker(url, users)
    finally:
        await delete_vhost(infra, vhost)
        await delete_broker_users(infra, users)


def _publish_to(exchange: str, routing_key: str) -> Callable[[AbstractChannel], Awaitable[object]]:
    async def publish(channel: AbstractChannel) -> object:
        target = channel.default_exchange if exchange == "" else await channel.get_exchange(exchange)
        return await target.publish(aio_pika.Message(b"{}"), routing_key=routing_key, timeout=5)

    return publish


async def _ignore(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    pass


async def _consume(channel: AbstractChannel, queue: str) -> object:
    return await (await channel.get_queue(queue)).consume(_ignore)


async def _delete(channel: AbstractChannel, queue: str) -> object:
    return await channel.queue_delete(queue)


@pytest.mark.parametrize(
    ("what", "action"),
    [
        ("publish to order.exchange", _publish_to("order.exchange", "order.created")),
        ("publish to the default exchange", _publish_to("", "payment.order-created")),
        ("publish to order's retry exchange", _publish_to("order.retry", "order.payment-approved.retry")),
        ("read order's queue", lambda ch: _consume(ch, "order.payment-approved")),
        ("read order's DLQ", lambda ch: _consume(ch, "order.payment-approved.dlq")),
        ("declare a queue", lambda ch: ch.declare_queue("payment.mine", durable=True)),
        ("delete its own queue", lambda ch: _delete(ch, "payment.order-created")),
        ("declare an exchange", lambda ch: ch.declare_exchange("payment.other", durable=True)),
    ],
)
async def test_the_payment_user_is_refused(broker: Broker, what: str, action) -> None:
    with pytest.raises(REFUSED, match="ACCESS_REFUSED"):
        await broker.as_user("payment", action)


async def test_the_payment_user_does_what_payment_does(broker: Broker) -> None:
    async with await aio_pika.connect(broker.users.url(broker.url, "payment"), timeout=10) as connection:
        publisher = Publisher(connection, 5)  # type: ignore[arg-type]
        assert publisher.user_id == broker.users.name("payment")
        await publisher.publish("payment.exchange", "payment.approved", b"{}", message_id="m-1")
        await publisher.publish("payment.retry", "payment.order-created.retry", b"{}", message_id="m-2")
        await publisher.publish("payment.retry", "payment.order-created.dlq", b"{}", message_id="m-3")
        channel = await connection.channel()
        for queue in ("payment.order-created", "payment.order-created.retry", "payment.order-created.dlq"):
            await _consume(channel, queue)


async def test_a_publish_in_another_users_name_is_refused_by_the_broker(broker: Broker) -> None:
    async def forge(channel: AbstractChannel) -> object:
        exchange = await channel.get_exchange("payment.exchange")
        message = aio_pika.Message(b"{}", user_id=broker.users.name("order"))
        return await exchange.publish(message, routing_key="payment.approved", timeout=5)

    with pytest.raises(aio_pika.exceptions.ChannelPreconditionFailed, match="user_id property set to"):
        await broker.as_user("payment", forge)
