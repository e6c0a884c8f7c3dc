"""The reservation sweeper: expires due reservations; several replicas share it via SKIP LOCKED.

Candidates come from the Redis expiry index each round; PostgreSQL decides (expires_at against its own
clock, under the row lock). Every `scan_interval`, and every round while Redis is unusable, it scans
PostgreSQL instead: the safety net for index entries Redis lost.
"""

import asyncio
import logging
import time
from uuid import UUID

import asyncpg

from events import LATEST_VERSION
from inventory import metrics
from inventory.availability.projection import Projection
from inventory.reservations import repository as reservation_repository
from inventory.reservations.settle import Changes
from inventory.stock import queries, repository
from messaging.outbox import OnCommit
from messaging.unit_of_work import UnitOfWork
from runtime.faults import fault_point

log = logging.getLogger(__name__)


async def sweep_once(
    pool: asyncpg.Pool,
    projection: Projection,
    batch_size: int,
    on_commit: OnCommit | None = None,
    candidates: list[UUID] | None = None,
    schema_version: int = LATEST_VERSION,
) -> int:
    """Expire up to `batch_size` due reservations (among `candidates`, if given) in one transaction; the
    inventory.released events are written in `schema_version`."""
    async with UnitOfWork(pool, on_commit, schema_version=schema_version) as uow:
        due = await reservation_repository.claim_due(uow.conn, batch_size, candidates)
        if due:
            await fault_point("inventory.expire_claimed")  # tests: hold the claim while a commit arrives
            # every product of the lot, in product id order, before any is moved: the global lock order
            products = sorted({p for r in due for p in r.quantities})
            changes = Changes(await repository.lock_products(uow.conn, products))
            for r in due:
                changes.settle(r, "expire")
            await changes.write(uow, projection)
        await uow.commit()
    metrics.RESERVATIONS_EXPIRED.inc(len(due))
    if candidates:  # entries for reservations settled meanwhile are stale: drop them from the index
        claimed = {r.reservation_id for r in due}
        active = await queries.active_among(pool, [c for c in candidates if c not in claimed])
        await projection.index.try_remove([c for c in candidates if c not in claimed and c not in active])
    return len(due)


async def sweep(
    pool: asyncpg.Pool,
    projection: Projection,
    batch_size: int,
    scan: bool,
    on_commit: OnCommit | None = None,
    schema_version: int = LATEST_VERSION,
) -> int:
    """One round: the due reservations named by the index, or (scan) all due ones in PostgreSQL."""
    expired = 0
    while True:
        # more candidates than a batch: those another sweeper holds locked are skipped, not waited on
        candidates = None if scan else await projection.index.due(time.time(), 4 * batch_size)
        if candidates is None and not scan:  # Redis unusable: PostgreSQL is the index this round
            scan = True
        metrics.SWEEPS.labels("postgres" if scan else "redis").inc()
        if candidates == []:
            return expired
        n = await sweep_once(pool, projection, batch_size, on_commit, candidates, schema_version)
        expired += n
        if n < batch_size:  # a full batch means there may be more due right now
            return expired


async def run_sweeper(
    pool: asyncpg.Pool,
    projection: Projection,
    interval_s: float,
    scan_interval_s: float,
    batch_size: int,
    on_commit: OnCommit | None = None,
    schema_version: int = LATEST_VERSION,
) -> None:
    last_scan = float("-inf")
    while True:
        scan = time.monotonic() - last_scan >= scan_interval_s
        try:
            await sweep(pool, projection, batch_size, scan, on_commit, schema_version)
            if scan:
                last_scan = time.monotonic()
        except Exception as exc:  # database away: the next round tries again
            log.warning("reservation sweep failed", extra={"error": repr(exc)})
        await asyncio.sleep(interval_s)
