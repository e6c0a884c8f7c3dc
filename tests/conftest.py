"""Shared fixtures: the infrastructure, an isolated stack of the four services, an API client."""

import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from stack.infra import Infra, create_vhost, delete_vhost, drop_databases, run_id
from stack.redis_server import PrivateRedis
from stack.supervisor import Stack
from tests.support.client import Api
from tests.support.databases import delete_redis_keys

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "var/test-logs"))


@pytest.fixture(scope="session")
def infra() -> Infra:
    return Infra.from_env()


StackFactory = Callable[..., Awaitable[Stack]]


@contextlib.asynccontextmanager
async def isolated_stack(infra: Infra, env: dict[str, str] | None = None, start: bool = True) -> AsyncIterator[Stack]:
    rid = run_id()
    vhost = f"saga-test-{rid}"
    log_dir = ARTIFACTS / rid
    log_dir.mkdir(parents=True, exist_ok=True)
    stack = Stack(infra, await create_vhost(infra, vhost), f"saga_{rid}", log_dir, env=dict(env or {}))
    try:
        if start:
            await stack.start_all()
        yield stack
    finally:
        await stack.stop_all()
        await delete_vhost(infra, vhost)
        await drop_databases(infra, f"saga_{rid}_")
        await delete_redis_keys(stack.targets.redis_url, stack.redis_prefix)


@pytest_asyncio.fixture
async def make_stack(infra: Infra) -> AsyncIterator[StackFactory]:
    """A factory of isolated stacks for tests that need their own settings or fault points."""
    async with contextlib.AsyncExitStack() as stacks:
        async def make(env: dict[str, str] | None = None, start: bool = True) -> Stack:
            return await stacks.enter_async_context(isolated_stack(infra, env, start))
        yield make


@pytest_asyncio.fixture(scope="module")
async def stack(infra: Infra) -> AsyncIterator[Stack]:
    """One isolated stack shared by the tests of a module."""
    async with isolated_stack(infra, {"SHIPPING_MAX_UNITS": "50"}) as s:
        yield s


@pytest_asyncio.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    """A redis-server of this test's own, free to be stopped, paused or frozen (SIGSTOP)."""
    server = PrivateRedis(tmp_path)
    await server.start()
    yield server
    if server.proc and server.proc.returncode is None:
        server.thaw()
    await server.stop()


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


@pytest.fixture
def api(stack: Stack, http: aiohttp.ClientSession) -> Api:
    return Api(http, stack.url("order"), stack.url("inventory"))
