"""Deliver events again, exactly as the relay first sent them (same body, same message_id): what a
broker redelivery, a network retry or a relay crash after publish looks like to a consumer."""

from dataclasses import dataclass
from uuid import UUID

import aio_pika
import asyncpg

from events import CONSUMERS, SERVICES
from messaging.publisher import Publisher
from stack.supervisor import Stack
from tests.fault.metrics import counter


@dataclass(frozen=True)
class Sent:
    service: str
    event_id: UUID
    order_id: UUID
    exchange: str
    routing_key: str
    body: bytes

    @property
    def deliveries(self) -> int:
        """How many queues receive one publish of it."""
        return sum(self.routing_key in keys for keys in CONSUMERS.values())


async def sent_events(stack: Stack, order_ids: list[UUID] | None = None) -> list[Sent]:
    out = []
    for service in SERVICES:
        conn = await asyncpg.connect(stack.database_url(service), timeout=10)
        try:
            rows = await conn.fetch(
                "SELECT event_id, order_id, exchange, routing_key, body FROM outbox WHERE sent_at IS NOT NULL"
                " AND ($1::uuid[] IS NULL OR order_id = ANY($1::uuid[])) ORDER BY id",
                order_ids,
            )
        finally:
            await conn.close()
        out += [Sent(service, **dict(r)) for r in rows]
    return out


async def publish_again(stack: Stack, events: list[Sent], copies: int = 1) -> None:
    """Each event published again by its own producer's broker user, as its relay would."""
    for service in dict.fromkeys(e.service for e in events):
        connection = await aio_pika.connect(stack.broker_url(service), timeout=10)
        try:
            publisher = Publisher(connection, 10)  # type: ignore[arg-type]
            for e in (e for e in events if e.service == service):
                for _ in range(copies):
                    await publisher.publish(
                        e.exchange,
                        e.routing_key,
                        e.body,
                        message_id=str(e.event_id),
                        correlation_id=str(e.order_id),
                    )
        finally:
            await connection.close()


async def duplicates_seen(http, stack: Stack) -> float:
    """Deliveries every consumer recognised as already applied (its inbox had the event id)."""
    return sum(
        [
            await counter(http, stack.metrics_url(s), "saga_events_consumed_total", outcome="duplicate")
            for s in SERVICES
        ]
    )
