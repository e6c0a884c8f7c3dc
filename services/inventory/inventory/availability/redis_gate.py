"""The one way inventory reaches Redis: short timeouts, no retries, behind a circuit breaker.

Redis is a cache and an index, never the source of truth, so a slow or dead Redis may cost a request
one short, bounded wait (REDIS_TIMEOUT per round trip, twice that at most in all), and nothing at all
once the breaker has opened.
"""

from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from inventory import metrics
from inventory.settings import InventorySettings
from runtime.breaker import CLOSED, CircuitBreaker

T = TypeVar("T")


def connect(url: str, timeout_s: float, max_connections: int) -> redis.Redis:
    """A client that never retries and waits at most `timeout_s` for a connection, a connect or a reply."""
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout_s,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=0,
        decode_responses=True,
    )
    return redis.Redis.from_pool(pool)


class RedisGate:
    def __init__(
        self, client: redis.Redis, prefix: str, timeout_s: float, failures: int, reset_s: float
    ) -> None:
        self.client, self.prefix, self.timeout_s = client, prefix, timeout_s
        self.breaker = CircuitBreaker(failures, reset_s, on_change=self._changed)
        self._listeners: list[Callable[[str], None]] = []

    @classmethod
    def from_settings(cls, s: InventorySettings) -> "RedisGate":
        timeout = s.redis_timeout.total_seconds()
        return cls(
            connect(s.redis_url, timeout, s.redis_max_connections),
            s.redis_key_prefix,
            timeout,
            s.redis_breaker_failures,
            s.redis_breaker_reset.total_seconds(),
        )

    def on_state_change(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def _changed(self, state: str) -> None:
        metrics.REDIS_CIRCUIT.set(0 if state == CLOSED else 1)
        for listener in self._listeners:
            listener(state)

    def key(self, *parts: object) -> str:
        return self.prefix + ":".join(str(p) for p in parts)

    async def run(self, op: Callable[[redis.Redis], Awaitable[T]]) -> T:
        """Run `op` on the client through the breaker; raises CircuitOpen, TimeoutError or a RedisError."""
        # the socket timeout bounds each round trip; this bounds the whole call (connection handshake included)
        return await self.breaker.call(lambda: op(self.client), 2 * self.timeout_s)

    async def ping(self) -> None:
        await self.run(lambda c: c.ping())

    async def close(self) -> None:
        await self.client.aclose()
