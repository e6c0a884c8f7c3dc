"""The availability cache: versioned writes, read-through, the start-up rebuild and reconciliation."""

from uuid import UUID, uuid4

import asyncpg

from inventory import metrics
from inventory.availability import reads
from inventory.availability.cache import cached_available, encode, stock_key
from inventory.availability.projection import Projection
from inventory.availability.reconcile import reconcile
from inventory.stock.repository import Snapshot
from stockcache import WarehouseEntry
from tests.integration.inventory.support import new_products


def snap(product_id: UUID, on_hand: int, reserved: int, version: int) -> Snapshot:
    """A product stocked in the default warehouse only."""
    return Snapshot(
        product_id, on_hand, reserved, version, (WarehouseEntry("main", on_hand, reserved),), None
    )


async def test_a_stale_write_never_overwrites_a_newer_one(projection: Projection):
    cache, p = projection.cache, uuid4()
    assert await cache.write([snap(p, 10, 2, 5)]) == 1
    assert await cache.write([snap(p, 10, 1, 4)]) == 0  # late, older: rejected
    assert await cache.write([snap(p, 10, 2, 5)]) == 0  # same version: nothing to do
    assert await cache.entries([p]) == ["5:10:2|main:10:2|$"]
    assert await cache.write([snap(p, 10, 3, 6)]) == 1
    assert await cache.entries([p]) == ["6:10:3|main:10:3|$"]


async def test_one_call_keeps_the_newest_of_several_snapshots_of_a_product(projection: Projection):
    p = uuid4()
    await projection.cache.write([snap(p, 9, 0, 8), snap(p, 7, 0, 9), snap(p, 8, 0, 7)])
    assert await projection.cache.entries([p]) == ["9:7:0|main:7:0|$"]


async def test_the_start_up_rebuild_fills_the_cache_and_reads_then_come_from_it(
    pool: asyncpg.Pool, projection: Projection
):
    products = await new_products(pool, 25, count=3)
    untrusted = await reads.read(pool, projection.cache, products)
    assert set(untrusted.source.values()) == {reads.DATABASE}  # not trusted before the rebuild
    assert await reconcile(pool, projection) == 3
    assert projection.cache.trusted
    read = await reads.read(pool, projection.cache, products + [uuid4()])
    assert set(read.source[p] for p in products) == {reads.CACHE}
    assert {p: s.available for p, s in read.found.items()} == dict.fromkeys(products, 25)
    assert len(read.missing) == 1


async def test_a_miss_is_read_from_postgresql_and_fills_the_cache(pool: asyncpg.Pool, projection: Projection):
    await reconcile(pool, projection)
    [p] = await new_products(pool, 4)  # created behind the cache's back
    first = await reads.read(pool, projection.cache, [p])
    assert first.source[p] == reads.DATABASE and first.found[p].available == 4
    second = await reads.read(pool, projection.cache, [p])
    assert second.source[p] == reads.CACHE and second.found[p].available == 4


async def test_reconciliation_repairs_corrupted_entries_and_exports_the_drift(
    pool: asyncpg.Pool, projection: Projection
):
    products = await new_products(pool, 10, count=6)
    await reconcile(pool, projection)
    client, prefix = projection.cache.gate.client, projection.cache.gate.prefix
    a, b, c, d, e, _ok = products
    await client.set(stock_key(prefix, a), "1:10:9|main:10:9|$")  # same version, wrong numbers
    await client.set(stock_key(prefix, b), "99:500:0|main:500:0|$")  # a version from nowhere
    await client.set(stock_key(prefix, c), "garbage")  # unreadable
    await client.delete(stock_key(prefix, d))  # lost
    await client.set(stock_key(prefix, e), "0:3:0|main:3:0|$")  # behind
    assert await reconcile(pool, projection) == 5
    assert metrics.CACHE_DRIFT._value.get() == 5
    assert await cached_available(client, prefix, products) == dict.fromkeys(products, 10)
    assert await projection.cache.entries([a]) == [encode(snap(a, 10, 0, 1))]
    assert await reconcile(pool, projection) == 0
    assert metrics.CACHE_DRIFT._value.get() == 0


async def test_a_repair_never_overwrites_a_write_that_landed_after_it_looked(projection: Projection):
    cache, p = projection.cache, uuid4()
    await cache.write([snap(p, 10, 0, 3)])
    seen = (await cache.entries([p]))[0]
    await cache.write([snap(p, 10, 1, 4)])  # a committed change lands meanwhile
    assert not await cache.compare_and_set(p, seen, snap(p, 10, 0, 3))
    assert await cache.entries([p]) == ["4:10:1|main:10:1|$"]


async def test_an_entry_of_the_layout_before_warehouses_is_replaced_whatever_its_version(
    projection: Projection,
):
    """An inventory of the version before wrote "version:on_hand:reserved": the new writer overwrites it."""
    cache, p = projection.cache, uuid4()
    await cache.gate.client.set(stock_key(cache.gate.prefix, p), "9:10:0")
    assert await cache.write([snap(p, 10, 0, 3)]) == 1
    assert await cache.entries([p]) == ["3:10:0|main:10:0|$"]
