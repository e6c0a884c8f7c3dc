"""The reservation sweeper: expires due reservations; several replicas share it via SKIP LOCKED."""

import asyncio
import logging

import asyncpg

from inventory import repository, reservations
from runtime.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


async def sweep_once(pool: asyncpg.Pool, batch_size: int, on_commit=None) -> int:
    """Expire up to `batch_size` due reservations in one transaction; returns how many."""
    async with UnitOfWork(pool, on_commit) as uow:
        due = await repository.claim_due(uow.conn, batch_size)
        for r in due:
            await reservations.expire(uow, r)
        await uow.commit()
    return len(due)


async def run_sweeper(pool: asyncpg.Pool, interval_s: float, batch_size: int, on_commit=None) -> None:
    while True:
        try:
            while await sweep_once(pool, batch_size, on_commit) == batch_size:
                pass
        except Exception as exc:  # database away: the next round tries again
            log.warning("reservation sweep failed", extra={"error": repr(exc)})
        await asyncio.sleep(interval_s)
