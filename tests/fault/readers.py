"""Clients that keep reading while a dependency fails, and remember every answer: nothing may be a 500."""

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp


@dataclass
class Readers:
    http: aiohttp.ClientSession
    urls: list[str]  # GETs to repeat
    statuses: Counter = field(default_factory=Counter)
    sources: Counter = field(default_factory=Counter)  # X-Availability-Source of inventory's answers
    slowest_s: float = 0.0
    bad: list = field(default_factory=list)  # (url, status, body) of every 5xx that is not a 503
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def _loop(self) -> None:
        while not self._stop.is_set():
            for url in self.urls:
                started = time.monotonic()
                try:
                    async with self.http.get(url, timeout=aiohttp.ClientTimeout(total=30)) as r:
                        body = await r.text()
                        self.statuses[r.status] += 1
                        if "X-Availability-Source" in r.headers:
                            self.sources[r.headers["X-Availability-Source"]] += 1
                        if r.status >= 500 and not (r.status == 503 and '"unavailable"' in body):
                            self.bad.append((url, r.status, body[:300]))
                except (TimeoutError, aiohttp.ClientError) as exc:
                    self.statuses[type(exc).__name__] += 1
                self.slowest_s = max(self.slowest_s, time.monotonic() - started)
            await asyncio.sleep(0.02)  # noqa: ASYNC110 - the readers' pace

    def start(self) -> asyncio.Task:
        return asyncio.create_task(self._loop())

    async def stop(self, task: asyncio.Task) -> None:
        self._stop.set()
        await task
