"""PostgreSQL: create the database if missing, run yoyo migrations, open the asyncpg pool."""

import asyncio
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from yoyo import get_backend, read_migrations

from runtime.retry import until_ready
from runtime.settings import ServiceSettings

# PostgreSQL cannot be reached right now: down, restarting, out of connection slots, or our connection
# was killed under us (asyncpg then may say InternalClientError, asyncpg#1069). Waiting cures all of them.
DB_UNAVAILABLE: tuple[type[Exception], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,
)


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class DatabaseMissing(RuntimeError):
    """The service's database does not exist and its role may not create it: provisioning comes first.
    Not an error start-up waits out (not a PostgresError)."""


async def ensure_database(url: str) -> None:
    """Connect to the service's database; only when it is missing (a fresh development machine) and the
    role may CREATE DATABASE (a superuser) create it. A service role (no CREATEDB) gets a clear error."""
    try:
        conn = await asyncpg.connect(url, timeout=5)
    except asyncpg.InvalidCatalogNameError:
        await _create_database(url)
    else:
        await conn.close()


async def _create_database(url: str) -> None:
    name = database_name(url)
    try:
        conn = await asyncpg.connect(with_database(url, "postgres"), timeout=5)
    except asyncpg.InsufficientPrivilegeError as exc:
        raise DatabaseMissing(f'database "{name}" does not exist: provision it (make up)') from exc
    try:
        if not await conn.fetchval(
            "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"
        ):
            user = await conn.fetchval("SELECT current_user")
            raise DatabaseMissing(
                f'database "{name}" does not exist and role "{user}" may not create it: provision the'
                " role and its database first (`make up` does: python -m runtime.provision)"
            )
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        except asyncpg.DuplicateDatabaseError:
            pass
    finally:
        await conn.close()


def migrate(url: str, *migrations_dirs: Path) -> None:
    """Apply the migrations of each directory, in the order given (yoyo, locked)."""
    backend = get_backend(url)
    migrations = read_migrations(*(str(d) for d in migrations_dirs))
    with backend.lock():
        backend.apply_migrations(backend.to_apply(migrations))


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Run on release instead of asyncpg's reset query (advisory unlock, CLOSE ALL, UNLISTEN, RESET ALL),
    which costs a round trip per transaction and undid a `SET lock_timeout`. Pool connections take no
    advisory locks, open no cursors, LISTEN on none and SET nothing; before this runs, asyncpg still
    rolls back a transaction left open and drops listeners."""


async def create_pool(settings: ServiceSettings) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        settings.database_url,
        min_size=settings.db_pool_min_size,
        max_size=settings.db_pool_max_size,
        command_timeout=settings.db_command_timeout_s,
        timeout=5,
        server_settings={"lock_timeout": str(int(settings.db_lock_timeout_ms))},  # a session default
        reset=_keep_session,
    )


async def prepare_database(settings: ServiceSettings, *migrations_dirs: Path) -> asyncpg.Pool:
    """Wait for PostgreSQL (bounded by STARTUP_TIMEOUT_S), migrate, and return the pool."""

    async def attempt() -> asyncpg.Pool:
        await ensure_database(settings.database_url)
        await asyncio.to_thread(migrate, settings.database_url, *migrations_dirs)
        return await create_pool(settings)

    errors = (TimeoutError, OSError, asyncpg.PostgresError)
    return await until_ready(attempt, "database", errors, settings.startup_timeout_s)
