"""A circuit breaker: after N consecutive failures stop calling a dependency for a while, then let one
probe through. While open, a dead dependency costs a caller nothing (no connect, no timeout)."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class CircuitOpen(Exception):
    """The call was not attempted: the circuit is open (or a probe is already in flight)."""


class CircuitBreaker:
    def __init__(
        self,
        failures: int,
        reset_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        self.threshold, self.reset_s, self._clock, self._on_change = (
            max(1, failures),
            reset_s,
            clock,
            on_change,
        )
        self.state = CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False

    def allow(self) -> bool:
        """May a call go through now? In half-open, exactly one caller (the probe) is let through."""
        if self.state == CLOSED:
            return True
        if self.state == OPEN and self._clock() - self._opened_at >= self.reset_s:
            self._set(HALF_OPEN)
        if self.state == HALF_OPEN and not self._probing:
            self._probing = True
            return True
        return False

    def succeeded(self) -> None:
        self._failures, self._probing = 0, False
        if self.state != CLOSED:
            self._set(CLOSED)

    def failed(self) -> None:
        self._failures += 1
        self._probing = False
        if self.state == HALF_OPEN or self._failures >= self.threshold:
            self._opened_at = self._clock()
            self._set(OPEN)

    def abandoned(self) -> None:
        """The caller was cancelled: neither a success nor a failure of the dependency."""
        self._probing = False

    async def call(self, fn: Callable[[], Awaitable[T]], timeout_s: float) -> T:
        """Run `fn` within `timeout_s` if the circuit allows; a timeout or error counts as a failure."""
        if not self.allow():
            raise CircuitOpen()
        try:
            async with asyncio.timeout(timeout_s):
                result = await fn()
        except asyncio.CancelledError:
            self.abandoned()
            raise
        except Exception:
            self.failed()
            raise
        self.succeeded()
        return result

    def _set(self, state: str) -> None:
        if state == OPEN and self.state == OPEN:
            return
        self.state = state
        if self._on_change:
            self._on_change(state)
