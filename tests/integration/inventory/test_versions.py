"""Schema versions in a rolling deploy: inventory does the same with version 1, 2 or 3 of each event
it consumes, and its reservation sweeper writes inventory.released in the version it is given."""

from functools import partial
from uuid import UUID

import asyncpg
import orjson
import pytest

from events import CONSUMERS, SCHEMA_VERSIONS
from inventory.availability.projection import Projection
from inventory.handlers import apply_events
from inventory.reservations.expiry import sweep_once
from inventory.settings import InventorySettings
from inventory.stock import queries
from tests.integration.inventory.support import approved, deliver, failed, new_products, scheduled
from tests.unit.samples import as_version

LATER, DUE = InventorySettings(reservation_ttl="10m"), InventorySettings(reservation_ttl="0s")


async def _one_run(pool: asyncpg.Pool, projection: Projection, version: int) -> tuple:
    """Four orders of a product of 10 units, every event as a producer writing `version` sends it:
    one committed, one released, one still reserved, one out of stock; what each ended with."""
    [product] = await new_products(pool, 10)
    reserve = [approved([(product, 2)]) for _ in range(3)]
    short = approved([(product, 9)])
    to_commit, to_release, kept = (e.order_id for e in reserve)
    role = {to_commit: "committed", to_release: "released", kept: "kept", short.order_id: "short"}
    apply = partial(apply_events, settings=LATER, projection=projection)

    first = await deliver(pool, apply, *(as_version(e, version) for e in reserve))
    settle = [scheduled(to_commit), failed(to_release), short]
    assert {e.event_type for e in [*reserve, *settle]} == set(CONSUMERS["inventory"])
    second = await deliver(pool, apply, *(as_version(e, version) for e in settle))

    emitted = sorted((role[e.order_id], e.event_type) for e in first + second)
    reasons = sorted((role[e.order_id], e.payload.reason) for e in second if hasattr(e.payload, "reason"))
    statuses = {
        role[r["order_id"]]: r["status"]
        for r in await pool.fetch(
            "SELECT order_id, status FROM reservations WHERE order_id = ANY($1::uuid[])", list(role)
        )
    }
    stock = await pool.fetchrow("SELECT on_hand, reserved FROM products WHERE product_id = $1", product)
    assert tuple(stock) == await queries.ledger_balance(pool, product)
    return emitted, reasons, statuses, tuple(stock)


async def test_every_schema_version_of_each_event_it_consumes_ends_the_same(
    pool: asyncpg.Pool, projection: Projection
):
    seen = {version: await _one_run(pool, projection, version) for version in SCHEMA_VERSIONS}
    assert [seen[v] for v in SCHEMA_VERSIONS[1:]] == [seen[1]] * (len(SCHEMA_VERSIONS) - 1)
    assert seen[1] == (
        [
            ("committed", "inventory.committed"),
            ("committed", "inventory.reserved"),
            ("kept", "inventory.reserved"),
            ("released", "inventory.released"),
            ("released", "inventory.reserved"),
            ("short", "inventory.failed"),
        ],
        [("released", "shipping_failed"), ("short", "out_of_stock")],
        {"committed": "COMMITTED", "released": "RELEASED", "kept": "ACTIVE"},
        (8, 2),
    )


async def _outbox_bodies(pool: asyncpg.Pool, event_type: str) -> list[dict]:
    rows = await pool.fetch("SELECT body FROM outbox WHERE routing_key = $1 ORDER BY id", event_type)
    return [orjson.loads(r["body"]) for r in rows]


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
async def test_the_sweeper_writes_released_in_the_version_it_is_given(
    pool: asyncpg.Pool, projection: Projection, version: int
):
    [product] = await new_products(pool, 10)
    orders: list[UUID] = []
    for _ in range(2):
        event = approved([(product, 1)])
        await deliver(pool, partial(apply_events, settings=DUE, projection=projection), event)
        orders.append(event.order_id)
    assert await sweep_once(pool, projection, 10, schema_version=version) == 2
    bodies = await _outbox_bodies(pool, "inventory.released")
    assert sorted(b["order_id"] for b in bodies) == sorted(map(str, orders))
    assert {b["schema_version"] for b in bodies} == {version}
    assert {b["payload"]["reason"] for b in bodies} == {"expired"}
