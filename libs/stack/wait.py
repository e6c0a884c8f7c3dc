"""Wait on a condition with a deadline, never on a bare sleep."""

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any


class NotYet(AssertionError):
    pass


async def eventually(
    condition: Callable[[], Any | Awaitable[Any]],
    timeout: float = 10.0,
    interval: float = 0.05,
    message: str = "condition",
) -> Any:
    """Poll `condition` until it returns a truthy value (returned) or the deadline passes (fails)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = condition()
            if inspect.isawaitable(last):
                last = await last
            if last:
                return last
        except (AssertionError, OSError, ConnectionError) as exc:
            last = exc
        if time.monotonic() > deadline:
            raise NotYet(f"{message} not met within {timeout}s; last value: {last!r}")
        await asyncio.sleep(interval)
