"""Per-test databases cloned from a template migrated once per run (CREATE DATABASE ... TEMPLATE)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

from messaging.tables import MIGRATIONS as MESSAGING_MIGRATIONS
from runtime.db import ensure_database, migrate
from stack.infra import Infra, drop_databases, run_id


async def admin(infra: Infra, sql: str, *args: object) -> None:
    conn = await asyncpg.connect(infra.pg_url, timeout=10)
    try:
        await conn.execute(sql, *args)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def template_database(infra: Infra, prefix: str, migrations: Path) -> AsyncIterator[str]:
    """A database migrated with the messaging tables and `migrations`; yields its name."""
    name = f"{prefix}_{run_id()}"
    await ensure_database(infra.database_url(name))
    await asyncio.to_thread(migrate, infra.database_url(name), MESSAGING_MIGRATIONS, migrations)
    # CREATE DATABASE ... TEMPLATE needs the template to have no sessions (yoyo may keep one open)
    await admin(infra, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name)
    try:
        yield name
    finally:
        await drop_databases(infra, name)


@contextlib.asynccontextmanager
async def cloned_database(infra: Infra, template: str, prefix: str) -> AsyncIterator[str]:
    """A fresh copy of `template`; yields its URL and drops it afterwards."""
    name = f"{prefix}_{run_id()}"
    await admin(infra, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield infra.database_url(name)
    finally:
        await drop_databases(infra, name)
