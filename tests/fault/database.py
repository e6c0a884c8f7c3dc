"""PostgreSQL from the outside: terminate a stack's backends (its own databases only), stop and start
the shared server."""

import asyncio
import os

import asyncpg

from events.names import SERVICES
from stack.supervisor import Stack
from stack.wait import eventually


async def terminate_backends(stack: Stack) -> int:
    """pg_terminate_backend for every connection to the stack's four databases; returns how many."""
    names = [stack.database_url(s).rsplit("/", 1)[1] for s in SERVICES]
    conn = await asyncpg.connect(stack.infra.pg_url, timeout=10)
    try:
        return await conn.fetchval(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()", names,
        )
    finally:
        await conn.close()


def cluster() -> tuple[str, str]:
    return sorted(os.listdir("/etc/postgresql"))[0], "main"


async def pg_ctlcluster(action: str, timeout: float = 60) -> None:
    version, name = cluster()
    proc = await asyncio.create_subprocess_exec(
        "pg_ctlcluster", "--skip-systemctl-redirect", version, name, action, "-m", "fast",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode == 0, f"pg_ctlcluster {action}: {out.decode()}"


async def server_up(stack: Stack, timeout: float = 60) -> None:
    async def up() -> bool:
        try:
            conn = await asyncpg.connect(stack.infra.pg_url, timeout=2)
        except (OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True
    await eventually(up, timeout, 0.2, "PostgreSQL accepting connections")
