"""Shared fixtures: the infrastructure, an isolated stack of the four services, an API client."""

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from stack.infra import Infra
from stack.isolated import isolated_stack
from stack.redis_server import PrivateRedis
from stack.supervisor import Stack
from stack.tokens import Signer
from tests.support import provision
from tests.support.client import Api


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    """The local services, or throwaway containers for the whole session (tests/support/provision.py)."""
    with provision.provided(provision.chosen()) as found:
        yield found


def pytest_report_header() -> str:
    return f"infra: {provision.chosen()} (tests/support/provision.py says which runs when)"


def pytest_runtest_setup(item: pytest.Item) -> None:
    marker = item.get_closest_marker("requires_local_servers")
    if marker is not None and (reason := provision.local_only(marker.args, provision.chosen())):
        pytest.skip(reason)


StackFactory = Callable[..., Awaitable[Stack]]


@pytest.fixture(scope="session")
def signer(tmp_path_factory: pytest.TempPathFactory) -> Signer:
    """The session's throwaway signing key and JWKS: every stack accepts its tokens."""
    return Signer.at(tmp_path_factory.mktemp("auth"))


@pytest_asyncio.fixture
async def make_stack(infra: Infra, signer: Signer) -> AsyncIterator[StackFactory]:
    """A factory of isolated stacks for tests that need their own settings or fault points."""
    async with contextlib.AsyncExitStack() as stacks:

        async def make(env: dict[str, str] | None = None, start: bool = True) -> Stack:
            return await stacks.enter_async_context(isolated_stack(infra, env, start, signer))

        yield make


@pytest_asyncio.fixture(scope="module")
async def stack(infra: Infra, signer: Signer) -> AsyncIterator[Stack]:
    """One isolated stack shared by the tests of a module."""
    async with isolated_stack(infra, {"SHIPPING_MAX_UNITS": "50"}, signer=signer) as s:
        yield s


@pytest_asyncio.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    """A redis-server of this test's own, free to be stopped, paused or frozen (SIGSTOP)."""
    if reason := provision.missing("redis-server", "stops, pauses and freezes (SIGSTOP)"):
        pytest.skip(reason)
    server = PrivateRedis(tmp_path)
    await server.start()
    yield server
    if server.proc and server.proc.returncode is None:
        server.thaw()
    await server.stop()


@pytest_asyncio.fixture
async def http(signer: Signer) -> AsyncIterator[aiohttp.ClientSession]:
    """A client carrying an operator's token (every scope); tests of authentication set their own."""
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=30), headers=signer.headers(signer.admin())
    ) as session:
        yield session


@pytest.fixture
def api(stack: Stack, http: aiohttp.ClientSession) -> Api:
    return Api(http, stack.url("order"), stack.url("inventory"))
