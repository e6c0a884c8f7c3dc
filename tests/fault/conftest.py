"""Fault tests: a stack per module (or per test where the fault needs its own settings), and the
figures each test reports."""

import time
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from stack.infra import Infra
from stack.isolated import isolated_stack
from stack.supervisor import Stack
from stack.tokens import Signer
from tests.fault.figures import Figures, save, table

_RECORDED: list[Figures] = []
# small pools: fault tests run a few orders at a time, and the PostgreSQL server (max_connections 100)
# is shared with `make up` and other test runs
LEAN = {"DB_POOL_MIN_SIZE": "1", "DB_POOL_MAX_SIZE": "4"}


def lean(env: dict[str, str] | None = None) -> dict[str, str]:
    return {**LEAN, **(env or {})}


@pytest_asyncio.fixture(scope="module")
async def shared_stack(infra: Infra, signer: Signer, request: pytest.FixtureRequest) -> AsyncIterator[Stack]:
    """One stack for the tests of a module, with the module's STACK_ENV."""
    async with isolated_stack(infra, lean(getattr(request.module, "STACK_ENV", {})), signer=signer) as s:
        yield s


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Iterator[Figures]:
    module = request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    f = Figures(test=f"{module}: {request.node.name.removeprefix('test_')}")
    started = time.monotonic()
    yield f
    f.seconds = round(time.monotonic() - started, 1)
    print(f.line())
    save(f)
    _RECORDED.append(f)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _RECORDED:
        terminalreporter.section("fault test figures")
        for line in table(_RECORDED):
            terminalreporter.write_line(line)
