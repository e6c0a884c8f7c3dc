"""The test service's handlers and a few looks into the broker and the database."""

from uuid import UUID

import asyncpg
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from prometheus_client import REGISTRY

from events import CONSUMERS, Event
from messaging.unit_of_work import UnitOfWork


class Recorder:
    """Writes one `effects` row per handled event, or raises what `fail` says for the event's order
    (after writing, so a rolled-back effect would show if the rollback did not happen)."""

    def __init__(self) -> None:
        self.calls: list[UUID] = []  # one event id per handler invocation
        self.fail: dict[UUID, Exception] = {}

    async def handle(self, event: Event, uow: UnitOfWork) -> None:
        self.calls.append(event.event_id)
        await uow.conn.execute(
            "INSERT INTO effects (event_id, order_id, event_type) VALUES ($1, $2, $3)",
            event.event_id,
            event.order_id,
            event.event_type,
        )
        if (exc := self.fail.get(event.order_id)) is not None:
            raise exc

    def handlers(self, service: str = "shipping") -> dict:
        return dict.fromkeys(CONSUMERS[service], self.handle)

    def attempts(self, event_id: UUID) -> int:
        return self.calls.count(event_id)


async def effects(pool: asyncpg.Pool, event_id: UUID) -> int:
    return await pool.fetchval("SELECT count(*) FROM effects WHERE event_id = $1", event_id)


async def inbox(pool: asyncpg.Pool, event_id: UUID) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT * FROM idempotency_keys WHERE event_id = $1", event_id)


async def depth(connection: AbstractRobustConnection, queue: str) -> int:
    """Ready messages (a passive declare does not count unacked deliveries)."""
    async with connection.channel() as channel:
        q = await channel.declare_queue(queue, passive=True)
        return q.declaration_result.message_count


async def take_all(connection: AbstractRobustConnection, queue: str) -> list[AbstractIncomingMessage]:
    """Remove and return every ready message of a queue."""
    taken = []
    async with connection.channel() as channel:
        q = await channel.declare_queue(queue, passive=True)
        while (message := await q.get(no_ack=True, fail=False)) is not None:
            taken.append(message)
    return taken


def consumed(queue: str, outcome: str) -> float:
    """This process's count of messages taken from `queue` with `outcome` (applied, duplicate, ...)."""
    return (
        REGISTRY.get_sample_value("saga_events_consumed_total", {"queue": queue, "outcome": outcome}) or 0.0
    )
