"""The compose PostgreSQL servers' init script (scripts/postgres-service-role.sh), run as the image's
entrypoint runs it, on a cluster that checks passwords (scram-sha-256): the service's role logs in with
its password and owns its database, which no other role may enter; it may not create a database."""

import asyncio
import os
import secrets
import subprocess
from pathlib import Path

import asyncpg
import pytest

from runtime.dbroles import database_role
from stack.infra import run_id
from tests.support import provision
from tests.support.private_postgres import Tls

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "postgres-service-role.sh"


def _role_url(tls: Tls, role: str, password: str, database: str) -> str:
    return tls.server.url(tls.ca, database).replace(f"postgres:{tls.server.password}@", f"{role}:{password}@")


async def test_the_init_script_makes_a_login_role_owning_its_database(tls: Tls) -> None:
    if reason := provision.missing("psql", "runs the compose init script, which calls"):
        pytest.skip(reason)
    database, password = f"orders_{run_id()}", secrets.token_hex(12)
    role, other = database_role("order", f"c{run_id()}"), database_role("payment", f"c{run_id()}")
    admin = await asyncpg.connect(tls.server.url(tls.ca), timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{database}"')  # the entrypoint makes POSTGRES_DB first
        env = {
            **os.environ,
            "PGHOST": str(tls.server.workdir),  # the entrypoint's psql uses the socket
            "PGPORT": str(tls.server.port),
            "POSTGRES_USER": "postgres",
            "POSTGRES_DB": database,
            "SERVICE_DB_ROLE": role,
            "SERVICE_DB_PASSWORD": password,
        }
        await asyncio.to_thread(
            subprocess.run, ["bash", str(SCRIPT)], env=env, check=True, capture_output=True, timeout=30
        )

        attributes = await admin.fetchrow("SELECT * FROM pg_roles WHERE rolname = $1", role)
        assert attributes["rolcanlogin"] and not attributes["rolsuper"] and not attributes["rolcreatedb"]
        assert (
            await admin.fetchval(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", database
            )
            == role
        )

        own = await asyncpg.connect(_role_url(tls, role, password, database), timeout=10)
        try:
            await own.execute("CREATE TABLE t (id int)")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await own.execute(f'CREATE DATABASE "{database}_more"')
        finally:
            await own.close()
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(_role_url(tls, role, "wrong", database), timeout=10)
        await admin.execute(f"CREATE ROLE \"{other}\" LOGIN PASSWORD '{password}'")
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied for database"):
            await asyncpg.connect(_role_url(tls, other, password, database), timeout=10)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for name in (role, other):
            await admin.execute(f'DROP ROLE IF EXISTS "{name}"')
        await admin.close()
