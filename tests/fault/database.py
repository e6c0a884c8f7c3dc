"""PostgreSQL from the outside: terminate a stack's backends (its own databases only), stop and start
the shared server."""

import asyncio
import os

import asyncpg

from events.names import SERVICES
from stack.supervisor import Stack
from stack.wait import eventually


def _databases(stack: Stack) -> dict[str, str]:
    """The stack's database names -> the service each belongs to."""
    return {stack.database_url(s).rsplit("/", 1)[1]: s for s in SERVICES}


async def _per_service(stack: Stack, select: str) -> dict[str, int]:
    """`select` (a count over the stack's connections in pg_stat_activity) per service, 0 for none."""
    databases = _databases(stack)
    conn = await asyncpg.connect(stack.infra.pg_url, timeout=10)
    try:
        rows = await conn.fetch(
            f"SELECT datname, {select} AS n FROM pg_stat_activity"
            " WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid() GROUP BY datname",
            list(databases),
        )
    finally:
        await conn.close()
    counts = dict.fromkeys(SERVICES, 0)
    counts.update({databases[r["datname"]]: r["n"] for r in rows})
    return counts


async def backends(stack: Stack) -> dict[str, int]:
    """How many connections each service of the stack holds to its database right now."""
    return await _per_service(stack, "count(*)")


async def each_holds_a_backend(stack: Stack, timeout: float = 30) -> dict[str, int]:
    """Wait until every service holds a connection (a pool reconnects lazily, so one whose connections
    were terminated holds none until it next needs one); returns the counts."""

    async def held() -> dict[str, int] | None:
        counts = await backends(stack)
        return counts if all(counts.values()) else None

    return await eventually(held, timeout, 0.05, f"each of {', '.join(SERVICES)} holding a backend")


async def terminate_backends(stack: Stack) -> dict[str, int]:
    """pg_terminate_backend for every connection to the stack's four databases; how many, per service."""
    return await _per_service(stack, "count(*) FILTER (WHERE pg_terminate_backend(pid))")


def cluster() -> tuple[str, str]:
    return sorted(os.listdir("/etc/postgresql"))[0], "main"


async def pg_ctlcluster(action: str, timeout: float = 60) -> None:
    version, name = cluster()
    proc = await asyncio.create_subprocess_exec(
        "pg_ctlcluster",
        "--skip-systemctl-redirect",
        version,
        name,
        action,
        "-m",
        "fast",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
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
