"""A batch of events applied by a service's handler in a real unit of work, as its consumer would."""

from collections.abc import Awaitable, Callable

import asyncpg

from events import Event
from messaging.unit_of_work import UnitOfWork

BatchApply = Callable[[list[Event], UnitOfWork], Awaitable[None]]


async def apply_batch(pool: asyncpg.Pool, apply: BatchApply, *events: Event) -> list[Event]:
    """Apply `events` as one batch and commit; returns the events the handler emitted."""
    async with UnitOfWork(pool) as uow:
        await apply(list(events), uow)
        await uow.commit()
    return uow.outbox
