"""Start-up waits: try until a server (PostgreSQL, RabbitMQ) answers, within a deadline, logging each miss.

Hand-written rather than with a retry library: one fixed interval, one deadline and one log line are all
that start-up needs, and neither call site wants backoff, jitter or a decorator.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


async def until_ready(
    attempt: Callable[[], Awaitable[T]],
    what: str,
    errors: tuple[type[BaseException], ...],
    timeout_s: float,
    interval_s: float = 1.0,
) -> T:
    """`attempt()`'s result once it stops raising `errors`; the last error once `timeout_s` has passed."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return await attempt()
        except errors as exc:
            if time.monotonic() > deadline:
                raise
            log.warning("%s not ready, retrying", what, extra={"error": repr(exc)})
            await asyncio.sleep(interval_s)
