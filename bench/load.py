"""The load generator: POST /orders open-loop at an offered rate, or closed-loop at a concurrency."""

import asyncio
import time
from dataclasses import dataclass
from uuid import UUID, uuid4

import aiohttp

RETRIES = 3  # a 503 (overload sheds requests) or a lost connection is retried, as a client would
RETRY_BACKOFF_S = 0.2  # doubled each time


@dataclass(frozen=True)
class Sent:
    order_id: UUID | None  # None when the POST failed, retries included
    sent_at: float  # wall clock (time.time()) before the first attempt; the server shares the clock
    post_ms: float  # first attempt sent -> last answer received
    retries: int = 0
    error: str | None = None


async def _post(http: aiohttp.ClientSession, url: str, body: bytes) -> Sent:
    """One order, with an Idempotency-Key so that retrying can never place it twice."""
    headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid4())}
    sent_at, started = time.time(), time.perf_counter()
    error = None
    for attempt in range(RETRIES + 1):
        if attempt:
            await asyncio.sleep(RETRY_BACKOFF_S * 2 ** (attempt - 1))
        try:
            async with http.post(url, data=body, headers=headers) as r:
                if r.status == 201:
                    order_id = UUID((await r.json())["order_id"])
                    return Sent(order_id, sent_at, (time.perf_counter() - started) * 1000, attempt)
                error = f"{r.status}: {(await r.text())[:200]}"
            if r.status != 503:
                break
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = repr(exc)
    return Sent(None, sent_at, (time.perf_counter() - started) * 1000, attempt, error)


async def drive(order_url: str, bodies: list[bytes], rate: float, concurrency: int, token: str) -> list[Sent]:
    """rate > 0: open loop, POST i leaves at start + i/rate whatever the answers; else `concurrency` workers.
    Every request bears `token` (one that may place orders for the bodies' customers: an operator's)."""
    url = f"{order_url}/orders"
    connector = aiohttp.TCPConnector(limit=0 if rate > 0 else concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    auth = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=auth) as http:
        if rate > 0:
            return await _open_loop(http, url, bodies, rate)
        return await _closed_loop(http, url, bodies, concurrency)


async def _open_loop(http: aiohttp.ClientSession, url: str, bodies: list[bytes], rate: float) -> list[Sent]:
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for i, body in enumerate(bodies):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(_post(http, url, body)))
    return list(await asyncio.gather(*tasks))


async def _closed_loop(
    http: aiohttp.ClientSession, url: str, bodies: list[bytes], concurrency: int
) -> list[Sent]:
    results: list[Sent | None] = [None] * len(bodies)
    next_index = iter(range(len(bodies)))

    async def worker() -> None:
        for i in next_index:
            results[i] = await _post(http, url, bodies[i])

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return [r for r in results if r is not None]
