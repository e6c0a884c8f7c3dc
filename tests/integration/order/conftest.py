"""Each order integration test gets its own order database, cloned from a template migrated once."""

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest_asyncio

import order
from stack.infra import Infra
from tests.support.databases import cloned_database, template_database

MIGRATIONS = Path(order.__file__).parent / "migrations"


@pytest_asyncio.fixture(scope="session")
async def order_template(infra: Infra) -> AsyncIterator[str]:
    async with template_database(infra, "ordtpl", MIGRATIONS) as name:
        yield name


@pytest_asyncio.fixture
async def pool(infra: Infra, order_template: str) -> AsyncIterator[asyncpg.Pool]:
    async with cloned_database(infra, order_template, "ord") as url:
        async with asyncpg.create_pool(url, min_size=2, max_size=4, command_timeout=30) as p:
            yield p
