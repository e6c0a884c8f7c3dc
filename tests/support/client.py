"""A small client for the public APIs, as a user drives them."""

from typing import Any
from uuid import UUID, uuid4

import aiohttp

from events.statuses import TERMINAL
from stack.wait import eventually

DEMO_PRODUCT = UUID(int=1)


def order_body(
    items: list[tuple[UUID, int, str]], customer_id: UUID | None = None, hold_id: UUID | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer_id": str(customer_id or uuid4()),
        "payment_method": "credit_card",
        "items": [{"product_id": str(p), "quantity": q, "unit_price": float(u)} for p, q, u in items],
    }
    if hold_id is not None:
        body["hold_id"] = str(hold_id)
    return body


class Api:
    def __init__(self, http: aiohttp.ClientSession, order_url: str, inventory_url: str) -> None:
        self.http, self.order_url, self.inventory_url = http, order_url, inventory_url

    async def place(self, items: list[tuple[UUID, int, str]], headers: dict[str, str] | None = None) -> UUID:
        async with self.http.post(f"{self.order_url}/orders", json=order_body(items), headers=headers) as r:
            body = await r.json()
            assert r.status == 201, body
            return UUID(body["order_id"])

    async def order(self, order_id: UUID) -> dict[str, Any]:
        async with self.http.get(f"{self.order_url}/orders/{order_id}") as r:
            assert r.status == 200, await r.text()
            return await r.json()

    async def terminal(self, order_id: UUID, timeout: float = 30) -> dict[str, Any]:
        async def done() -> dict[str, Any] | None:
            order = await self.order(order_id)
            return order if order["status"] in TERMINAL else None

        return await eventually(done, timeout, 0.05, f"order {order_id} terminal")


class Inventory:
    """The inventory API, answers as (status, body, response)."""

    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http, self.base = http, base

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any, aiohttp.ClientResponse]:
        async with self.http.request(method, self.base + path, **kwargs) as r:
            body = await r.json() if r.content_type == "application/json" else await r.text()
            return r.status, body, r

    async def put(self, product_id: UUID, name: str, quantity: int, price: str | None = None) -> dict:
        """Create or set a product; with a price, set that too (the order service learns it by an event:
        tests.support.stock.prices_known waits for that)."""
        body: dict[str, Any] = {"name": name, "quantity": quantity}
        if price is not None:
            body["price"] = price
        status, body, _ = await self.call("PUT", f"/inventory/{product_id}", json=body)
        assert status in (200, 201), body
        return body

    async def get(self, product_id: UUID) -> dict:
        status, body, _ = await self.call("GET", f"/inventory/{product_id}")
        assert status == 200, body
        return body
