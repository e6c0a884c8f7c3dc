"""Migration 0004 (hold owners) upgrades a database in place: a hold made before it has no owner, and
stays any order's to claim (as before) while only a hold admin sees it through the API."""

import asyncio
import shutil
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import pytest_asyncio

from inventory.availability.projection import Projection
from inventory.handlers import apply_events
from inventory.holds import service
from inventory.holds.owners import Caller
from inventory.settings import InventorySettings
from messaging.tables import MIGRATIONS as MESSAGING_MIGRATIONS
from runtime.db import ensure_database, migrate
from stack.infra import Infra, drop_databases, run_id
from tests.integration.inventory.conftest import MIGRATIONS
from tests.integration.inventory.holds_support import approved_with_hold
from tests.integration.inventory.support import deliver

BEFORE = ("0001.stock.sql", "0002.warehouses.sql", "0003.idempotency.sql")
OWNERS = "0004.hold-owners.sql"


@pytest_asyncio.fixture
async def old_database(infra: Infra, tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """A database migrated as inventory stood before hold owners, and that directory of migrations."""
    prefix = f"invowners_{run_id()}"
    url = infra.database_url(prefix)
    await ensure_database(url)
    for name in BEFORE:
        shutil.copy(MIGRATIONS / name, tmp_path)
    await asyncio.to_thread(migrate, url, MESSAGING_MIGRATIONS, tmp_path)
    try:
        yield url, tmp_path
    finally:
        await drop_databases(infra, prefix)


async def _old_hold(conn: asyncpg.Connection, product: UUID) -> UUID:
    """A product of 5 units with 1 of them held, written as the release before owners wrote them."""
    hold = uuid4()
    await conn.execute(
        "INSERT INTO products (product_id, name, on_hand, reserved, received_total) VALUES ($1, 'old', 5, 1, 5)",
        product,
    )
    await conn.execute(
        "INSERT INTO stock (product_id, warehouse_id, on_hand, reserved, received_total)"
        " VALUES ($1, 'main', 5, 1, 5)",
        product,
    )
    await conn.execute(
        "INSERT INTO reservations (reservation_id, order_id, status, expires_at, origin)"
        " VALUES ($1, NULL, 'ACTIVE', now() + interval '1 hour', 'hold')",
        hold,
    )
    await conn.execute(
        "INSERT INTO reservation_items (reservation_id, product_id, warehouse_id, quantity) VALUES ($1, $2, 'main', 1)",
        hold,
        product,
    )
    return hold


async def test_a_hold_from_before_owners_is_any_orders_to_claim_and_only_an_admins_to_see(
    old_database, projection: Projection
):
    url, migrations = old_database
    product = uuid4()
    conn = await asyncpg.connect(url)
    try:
        hold = await _old_hold(conn, product)
    finally:
        await conn.close()
    shutil.copy(MIGRATIONS / OWNERS, migrations)
    await asyncio.to_thread(migrate, url, MESSAGING_MIGRATIONS, migrations)
    async with asyncpg.create_pool(url, min_size=1, max_size=2) as pool:
        assert await pool.fetchval("SELECT owner FROM reservations WHERE reservation_id = $1", hold) is None
        async with pool.acquire() as c:
            assert await service.read(c, hold, Caller(uuid4())) is None
            assert (await service.read(c, hold, Caller(uuid4(), admin=True))).status == "ACTIVE"
        apply = partial(apply_events, settings=InventorySettings(), projection=projection)
        event = approved_with_hold([(product, 1)], hold, customer_id=uuid4())  # any customer's order
        [reserved] = await deliver(pool, apply, event)
        assert reserved.event_type == "inventory.reserved" and reserved.payload.reservation_id == hold
