"""Helpers for the inventory integration tests: events, products, a projection on a given Redis, the API
served in-process (accepting the session signer's tokens)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from typing import cast
from uuid import UUID, uuid4

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from events import LATEST_VERSION, PaymentApproved, ShippingFailed, ShippingScheduled
from events.catalog import Item, PaymentApprovedPayload, ShippingFailedPayload, ShippingScheduledPayload
from inventory.api.holds import HOLD_TTLS, HoldTtls
from inventory.api.routes import add_routes
from inventory.availability.projection import PROJECTION, Projection
from inventory.availability.redis_gate import RedisGate, connect
from inventory.stock import admin, repository, warehouses
from messaging.outbox import OutboxRelay
from messaging.publisher import Publisher
from messaging.unit_of_work import UnitOfWork
from runtime.auth.guard import VERIFIER
from runtime.http import base_app
from servicekit import idempotency
from servicekit.service import POOL, RELAY, SCHEMA_VERSION
from stack.tokens import Signer

TTLS = HoldTtls(default_s=600.0, max_s=3600.0)
ADMIN_TOKEN = "admin"  # serve_api's default: the signer's operator token


def make_projection(
    url: str, prefix: str, timeout_s: float = 0.1, failures: int = 3, reset_s: float = 0.5
) -> Projection:
    return Projection.on(RedisGate(connect(url, timeout_s, 32), prefix, timeout_s, failures, reset_s))


def approved(lines: list[tuple[UUID, int]], order_id: UUID | None = None) -> PaymentApproved:
    items = [Item(product_id=p, quantity=q, unit_price=Decimal("1.00")) for p, q in lines]
    return PaymentApproved.new(
        order_id or uuid4(),
        PaymentApprovedPayload(
            payment_id=uuid4(),
            amount=Decimal(sum(q for _, q in lines)),
            items=items,
        ),
    )


def failed(order_id: UUID) -> ShippingFailed:
    return ShippingFailed.new(order_id, ShippingFailedPayload(reason="carrier refused"))


def scheduled(order_id: UUID) -> ShippingScheduled:
    return ShippingScheduled.new(
        order_id,
        ShippingScheduledPayload(
            shipment_id=uuid4(),
            tracking_code="TRK-TEST0001",
            freight_cost=Decimal("11.50"),
            estimated_delivery=date(2030, 1, 1),
        ),
    )


class CountingConnection:
    """Stands in for a unit of work's connection and records each statement sent through it. It has no
    other methods, so a statement sent another way fails the test instead of going uncounted."""

    def __init__(self, conn: asyncpg.Connection, statements: list[str]) -> None:
        self._conn, self.statements = conn, statements

    def _counted(name: str):
        async def send(self, query: str, *args, **kwargs):
            self.statements.append(query)
            return await getattr(self._conn, name)(query, *args, **kwargs)

        return send

    execute, executemany, fetch, fetchrow, fetchval = map(
        _counted, ("execute", "executemany", "fetch", "fetchrow", "fetchval")
    )


async def deliver(pool: asyncpg.Pool, apply, *events, statements: list[str] | None = None) -> list:
    """Apply events as one batch in its own unit of work, as the consumer does; returns the events emitted.
    With `statements`, the handler's statements are recorded there."""
    async with UnitOfWork(pool) as uow:
        conn = uow.conn
        if statements is not None:
            uow.conn = CountingConnection(conn, statements)
        try:
            await apply(list(events), uow)
        finally:
            uow.conn = conn
        await uow.commit()
    return uow.outbox


async def new_products(pool: asyncpg.Pool, units: dict[UUID, int] | int, count: int = 1) -> list[UUID]:
    wanted = units if isinstance(units, dict) else {uuid4(): units for _ in range(count)}
    async with pool.acquire() as conn:
        await repository.create_products_if_missing(
            conn, {p: (f"it {p}", q) for p, q in wanted.items()}, "test"
        )
    return list(wanted)


async def warehouse(pool: asyncpg.Pool, warehouse_id: str, priority: int) -> str:
    async with pool.acquire() as conn:
        await warehouses.put(conn, warehouse_id, f"it {warehouse_id}", priority)
    return warehouse_id


async def receive(
    pool: asyncpg.Pool, projection: Projection, product_id: UUID, warehouse_id: str, units: int
) -> None:
    """`units` received into the warehouse, through the admin path (ledger, cache)."""
    async with UnitOfWork(pool) as uow:
        done = await admin.change_stock(uow, projection, product_id, "receive", units, "test", warehouse_id)
        assert isinstance(done, admin.Done), done
        await uow.commit()


@asynccontextmanager
async def serve_api(
    pool: asyncpg.Pool,
    projection: Projection,
    signer: Signer,
    token: str | None = ADMIN_TOKEN,
    ttls: HoldTtls = TTLS,
) -> AsyncIterator[TestClient]:
    """The inventory API's real routes on the test's database and Redis, as servicekit wires them; its
    client sends `token` (by default an operator's, every scope; None: no Authorization header)."""
    app = base_app()
    app.middlewares.append(idempotency.middleware)  # as servicekit.service.create_app does
    app[VERIFIER] = signer.verifier()  # as create_app's auth.install does, from AUTH_JWKS_FILE
    app[POOL], app[PROJECTION], app[HOLD_TTLS] = pool, projection, ttls
    app[SCHEMA_VERSION] = LATEST_VERSION
    # a relay that is never run: the rows handed to it stay in the outbox table, where tests read them
    app[RELAY] = OutboxRelay(pool, cast(Publisher, None), "inventory")
    add_routes(app)
    if token == ADMIN_TOKEN:
        token = signer.admin()
    headers = {} if token is None else signer.headers(token)
    async with TestClient(TestServer(app), headers=headers) as client:
        yield client
