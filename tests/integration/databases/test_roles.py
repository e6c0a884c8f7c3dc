"""Each service's PostgreSQL role owns its database and nothing else: it cannot connect to another
service's database, read its tables, or create a database; an older database owned by postgres is
handed over, every object in it; a service whose database is missing says so instead of creating it."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from messaging.tables import MIGRATIONS as MESSAGING_MIGRATIONS
from runtime.db import DatabaseMissing, ensure_database, migrate
from runtime.dbroles import DatabaseRole, provision
from stack.infra import Infra, drop_databases, run_id
from stack.roles import provision_roles, remove_roles

ROOT = Path(__file__).resolve().parents[3]
PAYMENT_MIGRATIONS = ROOT / "services/payment/payment/migrations"


@contextlib.asynccontextmanager
async def roles(infra: Infra) -> AsyncIterator[dict[str, DatabaseRole]]:
    prefix = f"roles_{run_id()}"
    try:
        yield await provision_roles(infra, prefix)
    finally:
        await drop_databases(infra, f"{prefix}_")
        await remove_roles(infra, prefix)


async def _connect(infra: Infra, grant: DatabaseRole, database: str | None = None) -> asyncpg.Connection:
    url = grant.url(infra.pg_url)
    if database:
        url = url.rsplit("/", 1)[0] + "/" + database
    return await asyncpg.connect(url, timeout=10)


async def _owners(infra: Infra, database: str) -> set[str]:
    """Owners of every table, index, sequence and view in the database's public schema."""
    conn = await asyncpg.connect(infra.database_url(database), timeout=10)
    try:
        rows = await conn.fetch(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
        )
    finally:
        await conn.close()
    return {r["owner"] for r in rows}


async def test_a_role_is_a_plain_login_that_owns_its_database_only(infra: Infra) -> None:
    async with roles(infra) as grants:
        conn = await asyncpg.connect(infra.pg_url, timeout=10)
        try:
            for grant in grants.values():
                role = await conn.fetchrow("SELECT * FROM pg_roles WHERE rolname = $1", grant.role)
                assert role["rolcanlogin"] and not role["rolsuper"]
                assert not role["rolcreatedb"] and not role["rolcreaterole"]
                owned = await conn.fetch(
                    "SELECT datname FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles WHERE rolname = $1)",
                    grant.role,
                )
                assert [r["datname"] for r in owned] == [grant.database]
        finally:
            await conn.close()


async def test_a_role_cannot_reach_another_services_database_or_create_one(infra: Infra) -> None:
    async with roles(infra) as grants:
        order, payment = grants["order"], grants["payment"]
        own = await _connect(infra, order)
        try:
            await own.execute("CREATE TABLE orders_secret (id int)")
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
                await own.execute("CREATE DATABASE roles_not_allowed")
        finally:
            await own.close()

        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied for database"):
            await _connect(infra, payment, order.database)

        # even where CONNECT were granted (a misconfigured server), the tables stay the owner's
        admin = await asyncpg.connect(infra.pg_url, timeout=10)
        try:
            await admin.execute(f'GRANT CONNECT ON DATABASE "{order.database}" TO "{payment.role}"')
        finally:
            await admin.close()
        other = await _connect(infra, payment, order.database)
        try:
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied for table"):
                await other.fetch("SELECT * FROM orders_secret")
        finally:
            await other.close()


async def test_an_older_database_owned_by_postgres_is_handed_over_with_every_object(infra: Infra) -> None:
    async with roles(infra) as grants:
        payment = grants["payment"]
        older = DatabaseRole(payment.role, payment.password, f"{payment.database}_older")
        url = infra.database_url(older.database)
        await ensure_database(url)  # as the superuser, as the services did before roles
        await asyncio.to_thread(migrate, url, MESSAGING_MIGRATIONS, PAYMENT_MIGRATIONS)
        assert await _owners(infra, older.database) == {"postgres"}

        moved = await asyncio.to_thread(provision, infra.pg_url, older)
        assert moved > 0
        assert await _owners(infra, older.database) == {payment.role}
        assert await asyncio.to_thread(provision, infra.pg_url, older) == 0  # idempotent

        conn = await _connect(infra, older)
        try:  # the owner's rights: a later migration may alter and drop what postgres once made
            await conn.execute("ALTER TABLE payments ADD COLUMN note text")
            await conn.execute("SELECT setval('outbox_id_seq', 10)")
            await conn.execute("DROP TABLE gateway_refunds")
        finally:
            await conn.close()
        await asyncio.to_thread(migrate, older.url(infra.pg_url), MESSAGING_MIGRATIONS, PAYMENT_MIGRATIONS)


async def test_a_service_role_gets_a_clear_error_for_a_missing_database(infra: Infra) -> None:
    async with roles(infra) as grants:
        payment = grants["payment"]
        missing = DatabaseRole(payment.role, payment.password, f"{payment.database}_missing")
        with pytest.raises(DatabaseMissing, match=f'"{missing.database}" does not exist and role'):
            await ensure_database(missing.url(infra.pg_url))
        await ensure_database(payment.url(infra.pg_url))  # its own exists: nothing to do, no CREATEDB needed


async def test_the_superuser_still_creates_a_missing_database(infra: Infra) -> None:
    name = f"roles_{run_id()}_created"
    try:
        await ensure_database(infra.database_url(name))
        conn = await asyncpg.connect(infra.database_url(name), timeout=10)
        await conn.close()
    finally:
        await drop_databases(infra, name)
