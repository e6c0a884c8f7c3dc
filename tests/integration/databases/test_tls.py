"""PostgreSQL over TLS, as a setting (`sslmode=verify-full&sslrootcert=...` in DATABASE_URL): a private
cluster with a throwaway CA's certificate accepts TCP only over TLS; the role provisioning (psycopg2),
a service's migrations (yoyo, psycopg2) and its pool (asyncpg) all connect through it, verified; a
client that trusts another CA is refused, clearly, and so is one without TLS."""

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import psycopg2
import pytest
import pytest_asyncio

from messaging.tables import MIGRATIONS as MESSAGING_MIGRATIONS
from runtime.db import ensure_database, migrate
from stack.infra import Infra
from stack.isolated import isolated_stack
from stack.supervisor import Stack
from tests.support.private_postgres import Tls

PAYMENT_MIGRATIONS = Path(__file__).resolve().parents[3] / "services/payment/payment/migrations"


@pytest_asyncio.fixture
async def tls_stack(infra: Infra, tls: Tls) -> AsyncIterator[Stack]:
    """A stack whose databases and roles live on the TLS cluster (RabbitMQ is the run's own)."""
    on_tls = dataclasses.replace(infra, pg_url=tls.server.url(tls.ca))
    async with isolated_stack(on_tls, start=False) as stack:
        yield stack


async def test_a_service_migrates_and_runs_over_verified_tls(tls_stack: Stack) -> None:
    url = tls_stack.service_database_url("payment")
    assert "sslmode=verify-full" in url and "sslrootcert=" in url
    await tls_stack.start("payment")  # ready: migrated (yoyo) and pooled (asyncpg) over TLS

    conn = await asyncpg.connect(tls_stack.database_url("payment"), timeout=10)
    try:
        sessions = await conn.fetch(
            "SELECT s.ssl, s.version FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)"
            " WHERE a.usename = $1",
            tls_stack.roles["payment"].role,
        )
        migrated = await conn.fetchval("SELECT count(*) FROM _yoyo_migration")
    finally:
        await conn.close()
    assert sessions and all(s["ssl"] for s in sessions), sessions
    assert {s["version"] for s in sessions} <= {"TLSv1.2", "TLSv1.3"}
    assert migrated > 0


async def test_a_service_that_trusts_another_ca_does_not_start(tls_stack: Stack, tls: Tls) -> None:
    wrong = tls_stack.service_database_url("payment").replace(str(tls.ca), str(tls.other_ca))
    await tls_stack.start("payment", {"DATABASE_URL": wrong, "STARTUP_TIMEOUT_S": "1"}, wait=False)
    assert await tls_stack.exited("payment", 60) != 0
    log = (tls_stack.log_dir / "payment.log").read_text()
    assert "certificate verify failed" in log


async def test_each_client_refuses_a_server_its_ca_did_not_sign(tls: Tls) -> None:
    wrong = tls.server.url(tls.other_ca)
    with pytest.raises(OSError, match="certificate verify failed"):  # asyncpg: ssl.SSLCertVerificationError
        await ensure_database(wrong)
    with pytest.raises(psycopg2.OperationalError, match="certificate verify failed"):  # yoyo's driver
        migrate(wrong, MESSAGING_MIGRATIONS, PAYMENT_MIGRATIONS)


async def test_the_server_takes_no_connection_without_tls(tls: Tls) -> None:
    with pytest.raises(asyncpg.InvalidAuthorizationSpecificationError, match="no encryption"):
        await asyncpg.connect(tls.server.url(tls.ca, sslmode="disable"), timeout=10)
