"""Reconciliation: compare Redis with PostgreSQL, export the drift, repair it. Also the start-up rebuild.

Per page of products, Redis is read first and PostgreSQL second, so a version Redis holds can only be
newer than PostgreSQL's if the entry is corrupt. An entry behind PostgreSQL gets a versioned write (a
newer write landing meanwhile wins); a corrupt one is compare-and-set from the exact value seen. The
expiry index gets every active reservation and loses entries PostgreSQL no longer holds active.
"""

import asyncio
import contextlib
import logging

import asyncpg

from inventory import metrics
from inventory.availability.cache import decode, encode
from inventory.availability.projection import Projection
from inventory.stock import queries

log = logging.getLogger(__name__)
PAGE = 500


async def reconcile(pool: asyncpg.Pool, projection: Projection) -> int:
    """One full pass; returns the number of products whose Redis entry differed. Raises if Redis fails."""
    cache, losses = projection.cache, projection.cache.losses
    drift, after = 0, None
    while ids := await queries.product_ids_after(pool, after, PAGE):
        after = ids[-1]
        seen = await cache.entries(ids)
        truth = await queries.snapshots(pool, ids)
        for product_id, raw in zip(ids, seen, strict=True):
            snap = truth[product_id]
            if raw == encode(snap):
                continue
            drift += 1
            current = decode(product_id, raw)
            if current is None or current.version < snap.version:
                await cache.write([snap])
            else:
                await cache.compare_and_set(product_id, raw, snap)
    await reconcile_index(pool, projection)
    metrics.CACHE_DRIFT.set(drift)
    if cache.losses == losses:  # nothing was lost while we repaired: reads may use the cache again
        cache.trusted = True
        cache.stale.clear()
    if drift:
        log.warning("cache drift repaired", extra={"products": drift})
    return drift


async def reconcile_index(pool: asyncpg.Pool, projection: Projection) -> None:
    index = projection.index
    await index.add(await queries.active_reservations(pool))
    members = await index.members()
    if members:
        active = await queries.active_among(pool, members)
        await index.remove([m for m in members if m not in active])


async def try_reconcile(pool: asyncpg.Pool, projection: Projection, timeout_s: float) -> bool:
    try:
        async with asyncio.timeout(timeout_s):
            await reconcile(pool, projection)
        return True
    except Exception as exc:  # Redis or PostgreSQL away: the cache stays untrusted; try again soon
        log.warning("cache reconciliation failed", extra={"error": repr(exc)})
        return False


async def run_reconciler(
    pool: asyncpg.Pool, projection: Projection, interval_s: float, retry_s: float, ok: bool = True
) -> None:
    """Every `interval_s`; sooner when a write was lost; `retry_s` after a failed pass (`ok`: the last one)."""
    stale = projection.cache.stale
    while True:
        if not ok:
            await asyncio.sleep(retry_s)
        elif stale.is_set():  # lost writes while the last pass ran: go again, never in a tight loop
            await asyncio.sleep(min(retry_s, 0.2))
        else:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval_s):
                    await stale.wait()
        ok = await try_reconcile(pool, projection, max(interval_s, 30.0))
