"""Orders as a client places them during a fault: with an Idempotency-Key, retried while the API is
away or answers 503, so a crash between commit and answer never makes a second order.

A 5xx other than 503 fails the test at once: bad luck with a dependency is a 503, never a 500.
"""

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID, uuid4

import aiohttp
import asyncpg

from events.statuses import TERMINAL
from stack.supervisor import Stack
from stack.tokens import DEMO_CUSTOMER
from stack.wait import eventually
from tests.support.client import order_body
from tests.support.stock import PRICE

Items = list[tuple[UUID, int, str]]


def saga_mix(product: UUID) -> list[tuple[Items, str]]:
    """Six orders that take every path of the saga, with the status each must end in (product: 100 units
    at PRICE, 10.00; SHIPPING_MAX_UNITS 50, PAYMENT_APPROVAL_LIMIT 10000)."""
    return [
        ([(product, 1, PRICE)], "CONFIRMED"),
        ([(product, 2, PRICE)], "CONFIRMED"),
        ([(product, 3, PRICE)], "CONFIRMED"),
        ([(product, 1001, PRICE)], "PAYMENT_FAILED"),  # 10010.00: declined
        ([(product, 500, PRICE)], "CANCELLED"),  # out of stock: payment reversed
        ([(product, 51, PRICE)], "CANCELLED"),  # carrier refuses: stock released, payment reversed
    ]


@dataclass
class Orders:
    http: aiohttp.ClientSession
    stack: Stack
    expected: dict[UUID, str] = field(default_factory=dict)  # order -> the terminal status it must reach
    statuses: Counter = field(default_factory=Counter)  # every HTTP status seen (and "error")

    async def place(
        self, items: Items, expect: str | None = None, deadline_s: float = 90, hold_id: UUID | None = None
    ) -> UUID:
        # a hold is claimed only by an order of its owner: the operator token's customer, who made it
        customer = DEMO_CUSTOMER if hold_id is not None else None
        key, body = str(uuid4()), order_body(items, customer, hold_id=hold_id)
        deadline = time.monotonic() + deadline_s
        while True:
            try:
                async with self.http.post(
                    f"{self.stack.url('order')}/orders", json=body, headers={"Idempotency-Key": key}
                ) as r:
                    self.statuses[r.status] += 1
                    payload = await r.json(content_type=None)
                    if r.status == 201:
                        order_id = UUID(payload["order_id"])
                        if expect:
                            self.expected[order_id] = expect
                        return order_id
                    assert r.status == 503, f"POST /orders answered {r.status}: {payload}"
                    assert payload["error"]["code"] == "unavailable", payload
            except (TimeoutError, aiohttp.ClientError):
                self.statuses["error"] += 1
            assert time.monotonic() < deadline, f"order not accepted within {deadline_s}s: {self.statuses}"
            await asyncio.sleep(0.1)  # noqa: ASYNC110 - a client's retry interval, not a wait for a condition

    async def place_all(self, specs: list[tuple[Items, str]], concurrency: int = 6) -> list[UUID]:
        gate = asyncio.Semaphore(concurrency)

        async def one(items: Items, expect: str) -> UUID:
            async with gate:
                return await self.place(items, expect)

        return list(await asyncio.gather(*(one(i, e) for i, e in specs)))

    async def final_statuses(self) -> dict[UUID, str | None]:
        conn = await asyncpg.connect(self.stack.database_url("order"), timeout=10)
        try:
            rows = await conn.fetch(
                "SELECT order_id, status FROM orders WHERE order_id = ANY($1::uuid[])", list(self.expected)
            )
        finally:
            await conn.close()
        found = {r["order_id"]: r["status"] for r in rows}
        return {o: found.get(o) for o in self.expected}

    async def settled(self, timeout: float = 90) -> float:
        """Wait until every order is terminal; returns how long that took."""
        started = time.monotonic()

        async def done() -> bool:
            return all(s in TERMINAL for s in (await self.final_statuses()).values())

        await eventually(done, timeout, 0.1, f"{len(self.expected)} orders terminal")
        return time.monotonic() - started

    async def lost(self) -> int:
        """Accepted orders missing, or not in the terminal status their path must end in."""
        final = await self.final_statuses()
        return sum(1 for o, want in self.expected.items() if final[o] != want)
