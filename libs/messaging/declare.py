"""Declare the whole topology (messaging.topology's layout) with an account allowed to configure: for
operators without the definitions document and for tests that build their own consumers. The services
never declare: they check (messaging.presence)."""

import aio_pika
from aio_pika.abc import AbstractChannel

from messaging.topology import layout


async def declare_topology(channel: AbstractChannel, queue_type: str = "classic") -> None:
    plan = layout(queue_type)
    exchanges = {
        e.name: await channel.declare_exchange(e.name, aio_pika.ExchangeType(e.type), durable=True)
        for e in plan.exchanges
    }
    queues = {
        q.name: await channel.declare_queue(q.name, durable=True, arguments=q.arguments) for q in plan.queues
    }
    for r in plan.routes:
        await queues[r.queue].bind(exchanges[r.exchange], routing_key=r.routing_key)
