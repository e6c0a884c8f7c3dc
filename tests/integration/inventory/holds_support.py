"""Helpers for the holds integration tests: the inventory routes on a test server, calls to them, a
payment.approved naming a hold, and waiting until a hold is due by the database clock."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from events import PaymentApproved
from events.catalog import Item, PaymentApprovedPayload
from inventory.api.holds import HoldTtls
from inventory.availability.projection import Projection
from stack.tokens import DEMO_CUSTOMER, Signer
from stack.wait import eventually
from tests.integration.inventory.support import TTLS, serve_api

OWNER = DEMO_CUSTOMER  # whose holds the tests make by default: the operator token's customer


@asynccontextmanager
async def hold_client(
    pool: asyncpg.Pool, projection: Projection, signer: Signer, ttls: HoldTtls = TTLS
) -> AsyncIterator[TestClient]:
    async with serve_api(pool, projection, signer, ttls=ttls) as c:
        yield c


async def call(client: TestClient, method: str, path: str, **kwargs: Any) -> tuple[int, Any, ClientResponse]:
    async with client.request(method, path, **kwargs) as r:
        return r.status, await r.json(), r


def lines(*items: tuple[UUID, int]) -> list[dict[str, Any]]:
    return [{"product_id": str(p), "quantity": q} for p, q in items]


async def hold(client: TestClient, *items: tuple[UUID, int], ttl_s: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"items": lines(*items)}
    if ttl_s is not None:
        body["ttl_s"] = ttl_s
    status, answer, _ = await call(client, "POST", "/holds", json=body)
    assert status == 201, answer
    return answer


def approved_with_hold(
    items: list[tuple[UUID, int]],
    hold_id: UUID | None,
    order_id: UUID | None = None,
    customer_id: UUID | None = OWNER,
) -> PaymentApproved:
    return PaymentApproved.new(
        order_id or uuid4(),
        PaymentApprovedPayload(
            payment_id=uuid4(),
            amount=Decimal(sum(q for _, q in items)),
            items=[Item(product_id=p, quantity=q, unit_price=Decimal("1.00")) for p, q in items],
            hold_id=hold_id,
            customer_id=customer_id,
        ),
    )


async def until_due(pool: asyncpg.Pool, *hold_ids: UUID) -> None:
    """Until every hold's expires_at has passed by the database clock (the clock that decides)."""

    async def due() -> bool:
        n = await pool.fetchval(
            "SELECT count(*) FROM reservations WHERE reservation_id = ANY($1::uuid[]) AND expires_at <= now()",
            list(hold_ids),
        )
        return n == len(hold_ids)

    await eventually(due, 10, 0.05, "holds due")


async def ledger(
    pool: asyncpg.Pool, reservation_id: UUID
) -> list[tuple[str, str, int, UUID | None, str | None]]:
    """The reservation's ledger rows: (kind, warehouse, quantity, order_id, reference), in order."""
    rows = await pool.fetch(
        "SELECT kind, warehouse_id, quantity, order_id, reference FROM movements WHERE reservation_id = $1 ORDER BY id",
        reservation_id,
    )
    return [(r["kind"], r["warehouse_id"], r["quantity"], r["order_id"], r["reference"]) for r in rows]
