"""Each inventory integration test gets its own database (cloned from a template migrated once), its own
Redis key prefix on the shared Redis, and, when it needs to stop or freeze Redis, a private redis-server."""

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest_asyncio
import redis.asyncio as redis

import inventory
from inventory.projection import Projection
from runtime.db import ensure_database, migrate
from tests.fault.redis_server import PrivateRedis
from tests.integration.inventory.support import make_projection
from tests.support.infra import Infra, drop_databases, run_id

MIGRATIONS = Path(inventory.__file__).parent / "migrations"


async def _admin(infra: Infra, sql: str, *args: object) -> None:
    conn = await asyncpg.connect(infra.pg_url, timeout=10)
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


@pytest_asyncio.fixture(scope="session")
async def inventory_template(infra: Infra) -> AsyncIterator[str]:
    name = f"invtpl_{run_id()}"
    url = infra.database_url(name)
    await ensure_database(url)
    await asyncio.to_thread(migrate, url, MIGRATIONS)
    await _admin(infra, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
    yield name
    await drop_databases(infra, name)


@pytest_asyncio.fixture
async def db_url(infra: Infra, inventory_template: str) -> AsyncIterator[str]:
    name = f"inv_{run_id()}"
    await _admin(infra, f'CREATE DATABASE "{name}" TEMPLATE "{inventory_template}"')
    yield infra.database_url(name)
    await drop_databases(infra, name)


@pytest_asyncio.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(
        db_url, min_size=8, max_size=8, command_timeout=30,  # opened up front: the server is shared
        init=lambda c: c.execute("SET lock_timeout = 10000"),
    ) as p:
        yield p


@pytest_asyncio.fixture
async def prefix(infra: Infra) -> AsyncIterator[str]:
    """A key prefix of this test's own on the shared Redis; its keys are deleted afterwards."""
    p = f"it-{run_id()}:inventory:"
    yield p
    client = redis.from_url(infra.redis_url)
    keys = [k async for k in client.scan_iter(match=f"{p}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest_asyncio.fixture
async def projections(infra: Infra, prefix: str) -> AsyncIterator[Callable[..., Projection]]:
    """A factory of projections (gate, cache, index) on the shared Redis or a given URL; closed afterwards."""
    made: list[Projection] = []

    def make(url: str | None = None, **kwargs: float) -> Projection:
        made.append(make_projection(url or infra.redis_url, prefix, **kwargs))
        return made[-1]
    yield make
    for p in made:
        await p.cache.gate.close()


@pytest_asyncio.fixture
async def projection(projections: Callable[..., Projection]) -> Projection:
    return projections()


@pytest_asyncio.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    """A redis-server of this test's own, free to be stopped, paused or frozen (SIGSTOP)."""
    server = PrivateRedis(tmp_path)
    await server.start()
    yield server
    if server.proc and server.proc.returncode is None:
        server.thaw()
    await server.stop()
