"""Shipping's and order's tables upgrade in place: a database migrated before shipments were per
warehouse keeps its rows (a shipment from 'main', a refusal or tombstone from no warehouse), and the
handlers go on from them; an order from before shows no shipments and no hold, and keeps its code."""

import asyncio
import shutil
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import pytest
import pytest_asyncio

from events import InventoryReserved, Line, ShippingScheduled
from events.catalog import Allocation, Shipment
from messaging.tables import MIGRATIONS as MESSAGING_MIGRATIONS
from order.handlers import record_events
from order.settings import OrderSettings
from runtime.db import ensure_database, migrate
from shipping.handlers import apply_events as ship
from shipping.settings import ShippingSettings
from stack.infra import Infra, drop_databases, run_id
from tests.integration.shipments.conftest import migrations_of, order_api
from tests.support.units import apply_batch
from tests.unit.samples import event_of


@pytest_asyncio.fixture
async def old_database(infra: Infra, tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """An empty database, and a directory of a service's migrations as they stood: fill it, apply it."""
    prefix = f"shpupgrade_{run_id()}"
    url = infra.database_url(prefix)
    await ensure_database(url)
    (tmp_path / "first").mkdir()
    try:
        yield url, tmp_path / "first"
    finally:
        await drop_databases(infra, prefix)


async def migrated_as_it_was(url: str, first: Path, service: str, *files: str) -> None:
    for name in files:
        shutil.copy(migrations_of(service) / name, first)
    await asyncio.to_thread(migrate, url, MESSAGING_MIGRATIONS, first)


def reserved_for(order_id: UUID, picks: list[tuple[str, int]] | None = None) -> InventoryReserved:
    event = event_of("inventory.reserved", order_id)
    if picks is None:
        return event  # type: ignore[return-value]
    product = event.payload.items[0].product_id  # type: ignore[attr-defined]
    payload = event.payload.model_copy(
        update={
            "items": [Line(product_id=product, quantity=sum(q for _, q in picks))],
            "allocations": [Allocation(product_id=product, warehouse_id=w, quantity=q) for w, q in picks],
        }
    )
    return InventoryReserved.model_validate({**event.model_dump(), "payload": payload.model_dump()})


async def test_shipments_from_before_upgrade_in_place_and_the_handler_goes_on_from_them(old_database):
    url, first = old_database
    await migrated_as_it_was(url, first, "shipping", "0001.shipments.sql")
    scheduled, cancelled, refused, tombstone = (uuid4() for _ in range(4))
    conn = await asyncpg.connect(url)
    try:
        await conn.executemany(  # what the service wrote before: one row per order
            "INSERT INTO shipments (shipment_id, order_id, reservation_id, status, tracking_code, units,"
            " freight_cost, estimated_delivery, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            [
                (
                    uuid4(),
                    scheduled,
                    uuid4(),
                    "SCHEDULED",
                    "TRK-OLD00001",
                    2,
                    Decimal("13.00"),
                    date(2030, 1, 5),
                    None,
                ),
                (
                    uuid4(),
                    cancelled,
                    uuid4(),
                    "CANCELLED",
                    "TRK-OLD00002",
                    1,
                    Decimal("11.50"),
                    date(2030, 1, 5),
                    "x",
                ),
                (uuid4(), refused, uuid4(), "FAILED", None, None, None, None, "carrier refused"),
                (
                    uuid4(),
                    tombstone,
                    None,
                    "CANCELLED",
                    None,
                    None,
                    None,
                    None,
                    "reservation released: expired",
                ),
            ],
        )
    finally:
        await conn.close()

    await asyncio.to_thread(migrate, url, MESSAGING_MIGRATIONS, migrations_of("shipping"))  # as it starts

    async with asyncpg.create_pool(url, min_size=1, max_size=2) as pool:
        rows = await pool.fetch("SELECT order_id, warehouse_id, shipment_no FROM shipments")
        assert {r["order_id"]: (r["warehouse_id"], r["shipment_no"]) for r in rows} == {
            scheduled: ("main", 1),
            cancelled: ("main", 1),
            refused: (None, 1),
            tombstone: (None, 1),
        }
        fresh = uuid4()
        apply = partial(ship, settings=ShippingSettings())
        emitted = await apply_batch(
            pool,
            apply,
            event_of("inventory.released", scheduled),  # cancels the old shipment
            reserved_for(tombstone),  # released before: never ships
            reserved_for(refused),  # decided already
            reserved_for(fresh, [("west", 2), ("east", 1)]),
        )
        assert [(type(e), e.order_id) for e in emitted] == [(ShippingScheduled, fresh)]
        after = await pool.fetch(
            "SELECT order_id, warehouse_id, status FROM shipments ORDER BY order_id, shipment_no"
        )
        assert {(r["order_id"], r["warehouse_id"], r["status"]) for r in after} == {
            (scheduled, "main", "CANCELLED"),
            (cancelled, "main", "CANCELLED"),
            (refused, None, "FAILED"),
            (tombstone, None, "CANCELLED"),
            (fresh, "west", "SCHEDULED"),
            (fresh, "east", "SCHEDULED"),
        }
        with pytest.raises(asyncpg.UniqueViolationError):  # a second decision for an order is refused
            await pool.execute(
                "INSERT INTO shipments (shipment_id, order_id, shipment_no, warehouse_id, status, tracking_code)"
                " VALUES ($1, $2, 1, 'north', 'SCHEDULED', 'TRK-NEW00001')",
                uuid4(),
                refused,
            )
        with pytest.raises(asyncpg.UniqueViolationError):  # one shipment per warehouse and order
            await pool.execute(
                "INSERT INTO shipments (shipment_id, order_id, shipment_no, warehouse_id, status, tracking_code)"
                " VALUES ($1, $2, 3, 'west', 'SCHEDULED', 'TRK-NEW00002')",
                uuid4(),
                fresh,
            )


async def test_an_order_from_before_shows_no_shipments_and_no_hold_and_takes_them_later(old_database, signer):
    url, first = old_database
    await migrated_as_it_was(url, first, "order", "0001.orders.sql")
    old, later = uuid4(), uuid4()
    conn = await asyncpg.connect(url)
    try:
        await conn.executemany(
            "INSERT INTO orders (order_id, customer_id, payment_method, total_amount, status, tracking_code)"
            " VALUES ($1, $2, 'credit_card', 10.00, $3, $4)",
            [(old, uuid4(), "CONFIRMED", "TRK-OLD00001"), (later, uuid4(), "INVENTORY_RESERVED", None)],
        )
    finally:
        await conn.close()

    await asyncio.to_thread(migrate, url, MESSAGING_MIGRATIONS, migrations_of("order"))

    async with asyncpg.create_pool(url, min_size=1, max_size=2) as pool:
        api = await order_api(pool, OrderSettings(), signer)
        try:
            order = await (await api.get(f"/orders/{old}")).json()
            assert (order["tracking_code"], order["shipments"], order["hold_id"]) == (
                "TRK-OLD00001",
                [],
                None,
            )

            event = event_of("shipping.scheduled", later)
            parcels = [
                Shipment(
                    shipment_id=uuid4(),
                    warehouse_id=w,
                    tracking_code=code,
                    freight_cost=Decimal("11.50"),
                    estimated_delivery=date(2030, 1, 5),
                )
                for w, code in (("west", "TRK-WEST0001"), ("east", "TRK-EAST0001"))
            ]
            payload = event.payload.model_copy(
                update={
                    "shipment_id": parcels[0].shipment_id,
                    "tracking_code": "TRK-WEST0001",
                    "shipments": parcels,
                }
            )
            await apply_batch(pool, record_events, event.model_copy(update={"payload": payload}))
            order = await (await api.get(f"/orders/{later}")).json()
            assert order["tracking_code"] == "TRK-WEST0001"
            assert [(s["warehouse_id"], s["tracking_code"]) for s in order["shipments"]] == [
                ("west", "TRK-WEST0001"),
                ("east", "TRK-EAST0001"),
            ]
        finally:
            await api.close()
