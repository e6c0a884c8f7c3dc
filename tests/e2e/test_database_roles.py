"""A test stack runs each service as its own PostgreSQL role (not the superuser), and the tables the
services made at start-up belong to those roles."""

import asyncpg
import pytest

from events.names import SERVICES
from stack.supervisor import Stack

pytestmark = pytest.mark.e2e


async def test_each_service_connects_as_its_own_role_and_owns_its_tables(stack: Stack) -> None:
    conn = await asyncpg.connect(stack.infra.pg_url, timeout=10)
    try:
        for service in SERVICES:
            database = stack.database_url(service).rsplit("/", 1)[1]
            users = await conn.fetch(
                "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
            assert {r["usename"] for r in users} == {stack.roles[service].role}, service
    finally:
        await conn.close()
    for service in SERVICES:
        own = await asyncpg.connect(stack.database_url(service), timeout=10)
        try:
            owners = await own.fetch(
                "SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
            )
        finally:
            await own.close()
        assert {r["owner"] for r in owners} == {stack.roles[service].role}, service
