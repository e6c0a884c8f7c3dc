"""The broker topology as code: exchanges, per-consumer queues, their retry and dead-letter queues.

Every service declares the whole topology at start-up (declarations are idempotent), so a producer's
`mandatory` publish never finds a consumer's queue missing just because that consumer has not started.
"""

from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractQueue
from pamqp.common import FieldTable

from events import CONSUMERS, SERVICES, dlq_name, exchange_name, producer_of, queue_name, retry_queue_name
from runtime.retry import until_ready

# RabbitMQ may answer a queue.declare with NOT_FOUND ("home node ... of durable queue ... is down or
# inaccessible") when another connection is declaring the same durable queue at that moment, as the
# four services do when they start together: transient, and the closed channel is opened anew each try
TRANSIENT_DECLARE_ERRORS = (aio_pika.exceptions.ChannelNotFoundEntity,)


@dataclass(frozen=True)
class Binding:
    consumer: str
    event_type: str

    @property
    def exchange(self) -> str:
        return exchange_name(producer_of(self.event_type))

    @property
    def queue(self) -> str:
        return queue_name(self.consumer, self.event_type)

    @property
    def retry_queue(self) -> str:
        return retry_queue_name(self.queue)

    @property
    def dlq(self) -> str:
        return dlq_name(self.queue)


BINDINGS: tuple[Binding, ...] = tuple(
    Binding(consumer, event_type) for consumer, types in CONSUMERS.items() for event_type in types
)


def bindings_of(consumer: str) -> tuple[Binding, ...]:
    return tuple(b for b in BINDINGS if b.consumer == consumer)


async def declare_queue(channel: AbstractChannel, b: Binding, queue_type: str) -> AbstractQueue:
    return await channel.declare_queue(b.queue, durable=True, arguments={"x-queue-type": queue_type})


async def declare_topology(channel: AbstractChannel, queue_type: str = "classic") -> None:
    exchanges = {
        name: await channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC, durable=True)
        for name in (exchange_name(s) for s in SERVICES)
    }
    kind: FieldTable = {"x-queue-type": queue_type}
    for b in BINDINGS:
        queue = await declare_queue(channel, b, queue_type)
        await queue.bind(exchanges[b.exchange], routing_key=b.event_type)
        # a retry waits here for its per-message expiration, then dead-letters back to the queue
        await channel.declare_queue(
            b.retry_queue,
            durable=True,
            arguments={**kind, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": b.queue},
        )
        await channel.declare_queue(b.dlq, durable=True, arguments=kind)


async def declare_topology_at_start(
    connection: AbstractConnection, queue_type: str, timeout_s: float, interval_s: float = 0.2
) -> None:
    """declare_topology on a channel of its own, tried again (on a new channel) while the broker answers
    with a transient NOT_FOUND, within `timeout_s`."""

    async def attempt() -> None:
        async with connection.channel() as channel:
            await declare_topology(channel, queue_type)

    await until_ready(attempt, "broker topology", TRANSIENT_DECLARE_ERRORS, timeout_s, interval_s)
