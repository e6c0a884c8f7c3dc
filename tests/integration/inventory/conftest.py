"""Each inventory integration test gets its own database (cloned from a template migrated once), its own
Redis key prefix on the shared Redis, and, when it needs to stop or freeze Redis, a private redis-server."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest_asyncio

import inventory
from inventory.availability.projection import Projection
from stack.infra import Infra, delete_redis_keys, run_id
from tests.integration.inventory.support import make_projection
from tests.support.databases import cloned_database, template_database

MIGRATIONS = Path(inventory.__file__).parent / "migrations"


@pytest_asyncio.fixture(scope="session")
async def inventory_template(infra: Infra) -> AsyncIterator[str]:
    async with template_database(infra, "invtpl", MIGRATIONS) as name:
        yield name


@pytest_asyncio.fixture
async def db_url(infra: Infra, inventory_template: str) -> AsyncIterator[str]:
    async with cloned_database(infra, inventory_template, "inv") as url:
        yield url


@pytest_asyncio.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(
        db_url,
        min_size=8,
        max_size=8,
        command_timeout=30,  # opened up front: the server is shared
        init=lambda c: c.execute("SET lock_timeout = 10000"),
    ) as p:
        yield p


@pytest_asyncio.fixture
async def prefix(infra: Infra) -> AsyncIterator[str]:
    """A key prefix of this test's own on the shared Redis; its keys are deleted afterwards."""
    p = f"it-{run_id()}:inventory:"
    yield p
    await delete_redis_keys(infra.redis_url, p)


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
