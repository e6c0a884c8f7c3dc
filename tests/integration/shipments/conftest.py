"""The order, payment and shipping databases of one test, each cloned from a template migrated once, and
the order API served over them (its routes on a test server; no broker: the test carries the events)."""

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

import order
import payment
import shipping
from messaging.outbox import Row
from order.http import add_routes
from order.settings import OrderSettings
from runtime.auth import guard
from runtime.http import base_app
from servicekit.service import POOL, RELAY, SCHEMA_VERSION
from stack.infra import Infra
from stack.tokens import Signer
from tests.support.databases import cloned_database, template_database

SERVICES = {"order": order, "payment": payment, "shipping": shipping}


def migrations_of(service: str) -> Path:
    return Path(SERVICES[service].__file__).parent / "migrations"


@pytest_asyncio.fixture(scope="session")
async def templates(infra: Infra) -> AsyncIterator[dict[str, str]]:
    async with (
        template_database(infra, "shptpl_order", migrations_of("order")) as o,
        template_database(infra, "shptpl_payment", migrations_of("payment")) as p,
        template_database(infra, "shptpl_shipping", migrations_of("shipping")) as s,
    ):
        yield {"order": o, "payment": p, "shipping": s}


@pytest_asyncio.fixture
async def pools(infra: Infra, templates: dict[str, str]) -> AsyncIterator[dict[str, asyncpg.Pool]]:
    """service -> a pool on its own fresh database."""
    async with (
        cloned_database(infra, templates["order"], "shp_order") as o,
        cloned_database(infra, templates["payment"], "shp_payment") as p,
        cloned_database(infra, templates["shipping"], "shp_shipping") as s,
    ):
        made = {
            name: await asyncpg.create_pool(url, min_size=1, max_size=4)
            for name, url in {"order": o, "payment": p, "shipping": s}.items()
        }
        try:
            yield made
        finally:
            for pool in made.values():
                await pool.close()


class HandedRows:
    """Stands in for the outbox relay: keeps the rows a request committed (the test publishes nothing;
    it reads the events back from the outbox table)."""

    def __init__(self) -> None:
        self.rows: list[Row] = []

    def committed(self, rows: list[Row]) -> None:
        self.rows.extend(rows)


async def order_api(pool: asyncpg.Pool, settings: OrderSettings, signer: Signer) -> TestClient:
    """The order routes over `pool`, accepting `signer`'s tokens; the client carries an operator's."""
    app = base_app()
    app[POOL] = pool
    app[RELAY] = HandedRows()  # type: ignore[assignment]
    app[SCHEMA_VERSION] = settings.event_schema_version
    app[guard.VERIFIER] = signer.verifier()
    add_routes(app)
    client = TestClient(TestServer(app), headers=signer.headers())
    await client.start_server()
    return client


@pytest_asyncio.fixture
async def api(pools: dict[str, asyncpg.Pool], signer: Signer) -> AsyncIterator[TestClient]:
    client = await order_api(pools["order"], OrderSettings(), signer)
    yield client
    await client.close()
