"""Stock per warehouse: allocation by priority through the saga's batch handler, settlement in the
warehouses allocated, admin writes per warehouse, and the upgrade of a database from before warehouses."""

import asyncio
import shutil
from functools import partial
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg

import inventory
from events import decode, encode
from inventory.availability.projection import Projection
from inventory.handlers import apply_events
from inventory.settings import InventorySettings
from inventory.stock import admin, queries, repository
from messaging.tables import MIGRATIONS as MESSAGING_MIGRATIONS
from messaging.unit_of_work import UnitOfWork
from runtime.db import ensure_database, migrate
from stack.infra import drop_databases, run_id
from tests.integration.inventory.support import (
    approved,
    deliver,
    failed,
    make_projection,
    new_products,
    receive,
    scheduled,
    warehouse,
)
from tests.integration.messaging.test_migrations import apply_only

MIGRATIONS = Path(inventory.__file__).parent / "migrations"
SETTINGS = InventorySettings(reservation_ttl="10m")


def _apply(projection: Projection):
    return partial(apply_events, settings=SETTINGS, projection=projection)


async def _places(pool: asyncpg.Pool, product_id: UUID) -> dict[str, tuple[int, int]]:
    rows = await pool.fetch(
        "SELECT warehouse_id, on_hand, reserved FROM stock WHERE product_id = $1", product_id
    )
    return {r["warehouse_id"]: (r["on_hand"], r["reserved"]) for r in rows}


async def test_an_order_is_served_from_the_preferred_warehouse_that_has_it_all(pool, projection):
    east = await warehouse(pool, f"east-{uuid4().hex[:6]}", 1)
    a, b = sorted(await new_products(pool, 10, count=2))  # 10 each in main (priority 100); lines in id order
    await receive(pool, projection, a, east, 5)
    await receive(pool, projection, b, east, 1)
    [reserved] = await deliver(pool, _apply(projection), approved([(a, 2), (b, 1)]))
    assert [(x.product_id, x.warehouse_id, x.quantity) for x in reserved.payload.allocations] == [
        (a, east, 2),
        (b, east, 1),
    ]
    assert await _places(pool, a) == {"main": (10, 0), east: (5, 2)}
    assert await _places(pool, b) == {"main": (10, 0), east: (1, 1)}


async def test_an_order_no_warehouse_serves_alone_is_split_and_settled_where_it_was_taken(pool, projection):
    east = await warehouse(pool, f"east-{uuid4().hex[:6]}", 1)
    [a] = await new_products(pool, 3)  # main: 3
    await receive(pool, projection, a, east, 4)
    order = approved([(a, 6)])
    [reserved] = await deliver(pool, _apply(projection), order)
    assert [(x.warehouse_id, x.quantity) for x in reserved.payload.allocations] == [(east, 4), ("main", 2)]
    assert [(i.product_id, i.quantity) for i in reserved.payload.items] == [(a, 6)]
    [committed] = await deliver(pool, _apply(projection), scheduled(order.order_id))
    assert committed.event_type == "inventory.committed"
    assert await _places(pool, a) == {"main": (1, 0), east: (0, 0)}
    for w, on_hand in (("main", 1), (east, 0)):
        assert await queries.ledger_balance(pool, a, w) == (on_hand, 0)
    assert await queries.ledger_balance(pool, a) == (1, 0)


async def test_a_release_returns_the_units_to_the_warehouses_they_came_from(pool, projection):
    east = await warehouse(pool, f"east-{uuid4().hex[:6]}", 1)
    [a] = await new_products(pool, 3)
    await receive(pool, projection, a, east, 4)
    order = approved([(a, 6)])
    await deliver(pool, _apply(projection), order)
    [released] = await deliver(pool, _apply(projection), failed(order.order_id))
    assert released.event_type == "inventory.released"
    assert await _places(pool, a) == {"main": (3, 0), east: (4, 0)}


async def test_the_snapshot_a_change_returns_is_what_a_read_finds_after_it(pool, projection):
    east = await warehouse(pool, f"east-{uuid4().hex[:6]}", 1)
    [a] = await new_products(pool, 3)
    await receive(pool, projection, a, east, 4)
    async with UnitOfWork(pool) as uow:
        [returned] = await repository.move_stock(
            uow.conn, [repository.Movement(a, east, "adjust", -1, reason="t")]
        )
        await uow.commit()
    assert (await queries.snapshots(pool, [a]))[a] == returned
    assert [(w.warehouse_id, w.on_hand) for w in returned.warehouses] == sorted([("main", 3), (east, 3)])
    assert (returned.on_hand, returned.reserved) == (6, 0)


async def test_stock_cannot_be_taken_below_what_is_reserved_in_that_warehouse(pool, projection):
    east = await warehouse(pool, f"east-{uuid4().hex[:6]}", 1)
    [a] = await new_products(pool, 10)
    await receive(pool, projection, a, east, 2)
    await deliver(pool, _apply(projection), approved([(a, 2)]))  # from east
    async with UnitOfWork(pool) as uow:
        refused = await admin.set_in_warehouse(uow, projection, a, east, 1)
        assert refused == admin.domain.Shortage(a, 1, 0)
        done = await admin.set_in_warehouse(uow, projection, a, "main", 0)  # main holds no reservation
        assert isinstance(done, admin.Done)
        await uow.commit()
    assert await _places(pool, a) == {"main": (0, 0), east: (2, 2)}


async def test_a_write_to_an_unknown_warehouse_or_product_changes_nothing(pool, projection):
    [a] = await new_products(pool, 10)
    async with UnitOfWork(pool) as uow:
        assert await admin.change_stock(
            uow, projection, a, "receive", 1, None, "nowhere"
        ) == admin.UnknownWarehouse("nowhere")
        missing = uuid4()
        assert await admin.set_in_warehouse(uow, projection, missing, "main", 1) == admin.UnknownProduct(
            missing
        )
    assert await _places(pool, a) == {"main": (10, 0)}


async def test_receiving_into_a_new_warehouse_stocks_the_product_there(pool, projection):
    west = await warehouse(pool, f"west-{uuid4().hex[:6]}", 7)
    [a] = await new_products(pool, 1)
    await receive(pool, projection, a, west, 9)
    snap = (await queries.snapshots(pool, [a]))[a]
    assert (snap.on_hand, dict((w.warehouse_id, w.on_hand) for w in snap.warehouses)) == (
        10,
        {"main": 1, west: 9},
    )
    [entry] = await projection.cache.entries([a])  # the cache was told, warehouses and all
    assert entry is not None and entry.endswith(f"|main:1:0|{west}:9:0|$")


async def test_a_database_from_before_warehouses_upgrades_in_place(infra, tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(MIGRATIONS / "0001.stock.sql", first)
    name = f"invupgrade_{run_id()}"
    url = infra.database_url(name)
    await ensure_database(url)
    product, order, reservation = uuid4(), uuid4(), uuid4()
    try:
        await asyncio.to_thread(apply_only, url, MESSAGING_MIGRATIONS)
        await asyncio.to_thread(apply_only, url, first)
        conn = await asyncpg.connect(url)
        try:  # 10 received, 3 of them reserved by an active reservation, as the old code wrote it
            await conn.execute(
                "INSERT INTO products (product_id, name, on_hand, reserved, received_total)"
                " VALUES ($1, 'old', 10, 3, 10)",
                product,
            )
            await conn.execute(
                "INSERT INTO movements (product_id, kind, quantity) VALUES ($1, 'receive', 10), ($1, 'reserve', 3)",
                product,
            )
            await conn.execute(
                "INSERT INTO reservations (reservation_id, order_id, status, expires_at)"
                " VALUES ($1, $2, 'ACTIVE', now() + interval '1 hour')",
                reservation,
                order,
            )
            await conn.execute(
                "INSERT INTO reservation_items (reservation_id, product_id, quantity) VALUES ($1, $2, 3)",
                reservation,
                product,
            )
        finally:
            await conn.close()

        await asyncio.to_thread(migrate, url, MESSAGING_MIGRATIONS, MIGRATIONS)  # as the service starts

        async with asyncpg.create_pool(url, min_size=1, max_size=2) as pool:
            assert await _places(pool, product) == {"main": (10, 3)}
            assert await queries.ledger_balance(pool, product, "main") == (10, 3)
            [row] = await pool.fetch(
                "SELECT warehouse_id, origin FROM reservation_items JOIN reservations USING (reservation_id)"
            )
            assert tuple(row) == ("main", "order")
            # the old reservation settles in main, and a new order reserves from main as before
            projection = make_projection(infra.redis_url, f"it-{run_id()}:upgrade:")
            try:
                [committed] = await deliver(pool, _apply(projection), scheduled(order))
                assert committed.event_type == "inventory.committed"
                [reserved] = await deliver(pool, _apply(projection), approved([(product, 7)]))
                assert decode(encode(reserved)).payload.allocations[0].warehouse_id == "main"
            finally:
                await projection.cache.gate.close()
            assert await _places(pool, product) == {"main": (7, 7)}
    finally:
        await drop_databases(infra, name)
