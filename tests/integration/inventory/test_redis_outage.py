"""Redis stopped, paused (CLIENT PAUSE) or frozen (SIGSTOP): reads still answer, correctly, from
PostgreSQL within a bounded time; once Redis is back the cache is repaired and used again."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial

import asyncpg
import pytest
import pytest_asyncio

from inventory.availability import reads
from inventory.availability.cache import cached_available
from inventory.availability.projection import Projection
from inventory.availability.reconcile import reconcile, run_reconciler
from inventory.handlers import apply_events
from inventory.settings import InventorySettings
from inventory.stock import admin
from messaging.unit_of_work import UnitOfWork
from runtime.breaker import OPEN
from stack.redis_server import PrivateRedis
from stack.wait import eventually
from tests.integration.inventory.support import approved, deliver, new_products

TIMEOUT_S = 0.05
READ_BOUND_S = 1.0  # generous: a Redis timeout (2 x 50 ms at most) plus a PostgreSQL read on a busy box


@pytest_asyncio.fixture
async def outage_projection(
    pool: asyncpg.Pool, projections: Callable[..., Projection], private_redis: PrivateRedis
) -> AsyncIterator[Projection]:
    projection = projections(private_redis.url, timeout_s=TIMEOUT_S, failures=3, reset_s=0.3)
    await reconcile(pool, projection)
    task = asyncio.create_task(run_reconciler(pool, projection, interval_s=60, retry_s=0.3))
    yield projection
    task.cancel()


async def _timed_read(pool, projection, ids) -> tuple[float, reads.Read]:
    started = time.perf_counter()
    result = await reads.read(pool, projection.cache, ids)
    return time.perf_counter() - started, result


async def _outage(kind: str, server: PrivateRedis) -> Callable[[], Awaitable[None]]:
    """Start an outage of `kind`; returns what ends it."""

    async def thaw() -> None:
        server.thaw()

    async def nothing() -> None:  # CLIENT PAUSE ends by itself
        pass

    if kind == "freeze":
        server.freeze()
        return thaw
    if kind == "pause":
        await server.pause(2500)
        return nothing
    await server.stop()  # killed; it comes back empty (no persistence)
    return server.start


@pytest.mark.parametrize("kind", ["freeze", "pause", "stop"])
async def test_reads_answer_from_postgresql_while_redis_is_away_and_the_cache_heals_after(
    pool: asyncpg.Pool, outage_projection: Projection, private_redis: PrivateRedis, kind: str
):
    projection = outage_projection
    products = await new_products(pool, 50, count=3)
    await reconcile(pool, projection)
    assert (await reads.read(pool, projection.cache, products)).source[products[0]] == reads.CACHE
    end = await _outage(kind, private_redis)

    # sequential reads first: the first ones pay the short timeout, then the breaker opens
    timings = []
    for _ in range(20):
        took, result = await _timed_read(pool, projection, products)
        timings.append(took)
        assert {p: s.available for p, s in result.found.items()} == dict.fromkeys(products, 50)
    assert max(timings) < READ_BOUND_S, timings
    if kind != "stop":  # a refused connection fails fast and may not need the breaker to be fast
        assert projection.cache.gate.breaker.state == OPEN

    # stock changes while Redis is away: committed in PostgreSQL, the cache write is lost
    async with UnitOfWork(pool) as uow:
        await admin.set_stock(uow, projection, products[0], "renamed", 70)
        await uow.commit()
    await deliver(
        pool,
        partial(apply_events, settings=InventorySettings(), projection=projection),
        approved([(products[1], 5)]),
    )
    concurrent = await asyncio.gather(*(_timed_read(pool, projection, products) for _ in range(50)))
    assert max(t for t, _ in concurrent) < READ_BOUND_S
    for _, result in concurrent:
        assert [result.found[p].available for p in products] == [70, 45, 50]
        assert set(result.source.values()) == {reads.DATABASE}

    await end()
    await eventually(lambda: projection.cache.trusted, 20, 0.05, "cache trusted again")
    client, prefix = projection.cache.gate.client, projection.cache.gate.prefix
    assert await cached_available(client, prefix, products) == dict(zip(products, [70, 45, 50], strict=True))
    assert len(await projection.index.members()) == 1  # the reservation made meanwhile is indexed again
    healed = await reads.read(pool, projection.cache, products)
    assert set(healed.source.values()) == {reads.CACHE}
    assert [healed.found[p].available for p in products] == [70, 45, 50]
