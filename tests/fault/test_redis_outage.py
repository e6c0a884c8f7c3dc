"""Redis down or hung, at system level: inventory's own Redis (a private redis-server) killed, paused
with CLIENT PAUSE, and frozen with SIGSTOP, while orders flow and clients read availability. Every
request is still answered, from PostgreSQL, within a bounded time; every saga completes while Redis is
away; once it is back the cache equals PostgreSQL again.

(tests/integration/inventory covers the cache itself against a failing Redis; this is the whole system.)
"""

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from checker import check
from stack.isolated import isolated_stack
from stack.redis_server import PrivateRedis
from stack.supervisor import Stack
from stack.wait import eventually
from tests.fault.conftest import lean
from tests.fault.effects import duplicated
from tests.fault.figures import Figures
from tests.fault.load import Waves
from tests.fault.orders import Orders
from tests.fault.readers import Readers
from tests.support import provision
from tests.support.checks import assert_clean

pytestmark = pytest.mark.e2e
# inventory waits at most 2 x REDIS_TIMEOUT (100 ms) on Redis, then not at all once its breaker opens;
# the rest is PostgreSQL on a busy 2-core machine
BOUND_S = 2.0
PAUSE_MS = 6000


@pytest_asyncio.fixture(scope="module")
async def private_redis(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[PrivateRedis]:
    if reason := provision.missing("redis-server", "stops, pauses and freezes (SIGSTOP)"):
        pytest.skip(reason)
    server = PrivateRedis(Path(tmp_path_factory.mktemp("redis")))
    await server.start()
    yield server
    if server.proc and server.proc.returncode is None:
        server.thaw()
    await server.stop()


@pytest_asyncio.fixture(scope="module")
async def redis_stack(infra, signer, private_redis: PrivateRedis) -> AsyncIterator[Stack]:
    env = lean({"REDIS_URL": private_redis.url, "CACHE_RECONCILE_INTERVAL": "1s"})
    async with isolated_stack(infra, env, signer=signer) as stack:
        yield stack


async def _prepared(stack: Stack, http) -> Waves:
    return await Waves(Orders(http, stack), waves=2).prepare()


async def _during(stack: Stack, http, waves: Waves) -> tuple[Orders, Readers, object, Waves]:
    await waves.start()
    readers = Readers(http, [f"{stack.url('inventory')}/inventory/{p}" for p in waves.products])
    return waves.orders, readers, readers.start(), waves


async def _while_away(orders: Orders, readers: Readers, waves: Waves) -> float:
    """Every saga completes while Redis is away; returns how long that took."""
    await waves.done()
    return await orders.settled(90)


async def _cache_agrees(stack: Stack) -> None:
    async def no_drift() -> bool:
        report = await check(stack.targets)
        return report.counts.get("redis_availability_drift", 1) == 0

    await eventually(no_drift, 60, 0.5, "Redis availability equal to PostgreSQL's")


async def _finish(stack, orders, readers, task, figures: Figures, restored: float, what: str) -> None:
    await _cache_agrees(stack)
    await readers.stop(task)
    assert not readers.bad, f"a request failed with a 5xx other than 503: {readers.bad[:3]}"
    assert readers.statuses.get(200, 0) > 0 and set(readers.statuses) == {200}, readers.statuses
    assert readers.slowest_s < BOUND_S, f"a read took {readers.slowest_s:.2f}s with Redis {what}"
    assert readers.sources.get("database", 0) > 0, f"no read was answered from PostgreSQL: {readers.sources}"
    await assert_clean(stack)
    figures.recovery_s = round(time.monotonic() - restored, 1)
    figures.orders, figures.faults = len(orders.expected), 1
    figures.lost, figures.duplicated = await orders.lost(), await duplicated(stack)
    figures.notes = {
        "redis": what,
        "reads": dict(readers.statuses),
        "sources": dict(readers.sources),
        "slowest_read_s": round(readers.slowest_s, 2),
    }
    assert figures.lost == 0 and figures.duplicated == 0


async def test_redis_killed(redis_stack, private_redis: PrivateRedis, http, figures: Figures) -> None:
    waves = await _prepared(redis_stack, http)
    await private_redis.stop()
    orders, readers, task, waves = await _during(redis_stack, http, waves)
    await _while_away(orders, readers, waves)
    await private_redis.start()  # empty: every key is gone
    await _finish(redis_stack, orders, readers, task, figures, time.monotonic(), "killed")


async def test_redis_paused(redis_stack, private_redis: PrivateRedis, http, figures: Figures) -> None:
    waves = await _prepared(redis_stack, http)
    await private_redis.pause(PAUSE_MS)
    orders, readers, task, waves = await _during(redis_stack, http, waves)
    await _while_away(orders, readers, waves)
    await eventually(private_redis.answers, PAUSE_MS / 1000 + 10, 0.1, "the pause over")
    await _finish(redis_stack, orders, readers, task, figures, time.monotonic(), "paused")


async def test_redis_frozen(redis_stack, private_redis: PrivateRedis, http, figures: Figures) -> None:
    waves = await _prepared(redis_stack, http)
    private_redis.freeze()
    try:
        orders, readers, task, waves = await _during(redis_stack, http, waves)
        await _while_away(orders, readers, waves)
    finally:
        private_redis.thaw()
    await _finish(redis_stack, orders, readers, task, figures, time.monotonic(), "frozen (SIGSTOP)")
