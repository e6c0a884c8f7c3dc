"""A batch of events applied in one transaction and a few statements: each event decided as if alone, in
order id order, against the stock the events before it left; a bad event blamed on itself alone."""

import asyncio
import random
from functools import partial
from uuid import UUID, uuid4

import asyncpg
import pytest

from inventory.availability.cache import cached_available
from inventory.availability.projection import Projection
from inventory.handlers import apply_events
from inventory.settings import InventorySettings
from inventory.stock import queries
from messaging.batch import EventFailed
from messaging.errors import PermanentError
from tests.integration.inventory.support import approved, deliver, failed, new_products, scheduled

LATER, DUE = InventorySettings(reservation_ttl="10m"), InventorySettings(reservation_ttl="0s")
MAX_STATEMENTS = 6  # lock reservations, lock products, which are due, create, move stock, set statuses


def _apply(projection: Projection, settings: InventorySettings = LATER):
    return partial(apply_events, settings=settings, projection=projection)


async def _stock(pool: asyncpg.Pool, product_id: UUID) -> tuple[int, int]:
    row = await pool.fetchrow("SELECT on_hand, reserved FROM products WHERE product_id = $1", product_id)
    return row["on_hand"], row["reserved"]


async def _statuses(pool: asyncpg.Pool) -> dict[UUID, str]:
    return {r["order_id"]: r["status"] for r in await pool.fetch("SELECT order_id, status FROM reservations")}


async def test_one_batch_of_approvals_wanting_more_than_the_stock_reserves_exactly_what_fits(
    pool: asyncpg.Pool, projection: Projection
):
    [product] = await new_products(pool, 5)
    version = await pool.fetchval("SELECT version FROM products WHERE product_id = $1", product)
    events = [approved([(product, 2)]) for _ in range(4)]
    outbox = await deliver(pool, _apply(projection), *events)

    by_cause = {e.causation_id: e for e in outbox}
    assert len(outbox) == len(by_cause) == 4
    first, *rest = sorted(events, key=lambda e: e.order_id)  # decided in order id order
    fit, short = [first, rest[0]], rest[1:]
    assert [by_cause[e.event_id].event_type for e in fit] == ["inventory.reserved"] * 2
    for e in short:
        outcome = by_cause[e.event_id]
        assert outcome.event_type == "inventory.failed" and outcome.payload.reason == "out_of_stock"
        assert [(s.product_id, s.requested, s.available) for s in outcome.payload.shortages] == [
            (product, 2, 1)
        ]
    assert await _statuses(pool) == {e.order_id: "ACTIVE" for e in fit}
    assert await _stock(pool, product) == (5, 4)
    assert await queries.ledger_balance(pool, product) == (5, 4)
    assert await pool.fetchval("SELECT version FROM products WHERE product_id = $1", product) == version + 1
    gate = projection.cache.gate
    assert await cached_available(gate.client, gate.prefix, [product]) == {product: 1}


async def test_a_mixed_batch_decides_each_event_right_in_a_few_statements(
    pool: asyncpg.Pool, projection: Projection
):
    seed = random.randrange(2**32)
    p, q = sorted(await new_products(pool, 100, count=2))
    later, due = _apply(projection), _apply(projection, DUE)
    to_commit = [approved([(p, 2), (q, 1)]) for _ in range(2)]
    to_release = [approved([(p, 3)]) for _ in range(2)]
    reserved = [approved([(q, 4)]) for _ in range(2)]
    to_expire = [approved([(p, 5)]) for _ in range(2)]
    for e in to_commit + to_release + reserved:
        await deliver(pool, later, e)
    for e in to_expire:
        await deliver(pool, due, e)
    new = [approved([(p, 6), (q, 1)]) for _ in range(2)]
    duplicates = [approved([(q, 4)], order_id=e.order_id) for e in reserved]  # another event id, same order
    batch = [
        *new,
        *(scheduled(e.order_id) for e in to_commit),
        *(failed(e.order_id) for e in to_release),
        *duplicates,
        *(scheduled(e.order_id) for e in to_expire),
    ]
    random.Random(seed).shuffle(batch)

    statements: list[str] = []
    outbox = await deliver(pool, later, *batch, statements=statements)

    assert len(statements) <= MAX_STATEMENTS, (seed, statements)
    outcome = {e.order_id: e for e in outbox}
    assert len(outbox) == len(outcome) == 8 and not set(outcome) & {e.order_id for e in reserved}, seed
    cause = {e.event_id: e for e in batch}
    assert all(cause[e.causation_id].order_id == e.order_id for e in outbox)
    ids = {
        r["order_id"]: r["reservation_id"]
        for r in await pool.fetch("SELECT order_id, reservation_id FROM reservations")
    }
    for e in new:
        assert outcome[e.order_id].event_type == "inventory.reserved"
        assert outcome[e.order_id].payload.reservation_id == ids[e.order_id]
    for e in to_commit:
        assert outcome[e.order_id].event_type == "inventory.committed"
    for events, reason in ((to_release, "shipping_failed"), (to_expire, "expired")):
        for e in events:
            assert outcome[e.order_id].event_type == "inventory.released"
            assert outcome[e.order_id].payload.reason == reason
            assert outcome[e.order_id].payload.reservation_id == ids[e.order_id]
    expected = {
        **dict.fromkeys((e.order_id for e in new + reserved), "ACTIVE"),
        **dict.fromkeys((e.order_id for e in to_commit), "COMMITTED"),
        **dict.fromkeys((e.order_id for e in to_release), "RELEASED"),
        **dict.fromkeys((e.order_id for e in to_expire), "EXPIRED"),
    }
    assert await _statuses(pool) == expected
    # p: 2 x 2 committed, 2 x 6 newly reserved; q: 2 x 1 committed, 2 x 4 and 2 x 1 reserved
    assert await _stock(pool, p) == await queries.ledger_balance(pool, p) == (96, 12)
    assert await _stock(pool, q) == await queries.ledger_balance(pool, q) == (98, 10)
    gate = projection.cache.gate
    assert await cached_available(gate.client, gate.prefix, [p, q]) == {p: 84, q: 88}
    assert set(await projection.index.members()) == {ids[e.order_id] for e in new + reserved}


@pytest.mark.parametrize("settlement", [scheduled, failed])
async def test_a_settlement_for_an_order_with_no_reservation_fails_that_event_alone(
    pool: asyncpg.Pool, projection: Projection, settlement
):
    [product] = await new_products(pool, 10)
    good, orphan = approved([(product, 1)]), settlement(uuid4())
    with pytest.raises(EventFailed) as caught:
        await deliver(pool, _apply(projection), good, orphan)
    assert caught.value.event is orphan
    assert isinstance(caught.value.error, PermanentError)
    assert str(caught.value.error) == f"{orphan.event_type} for order {orphan.order_id} with no reservation"
    assert await _statuses(pool) == {}  # rolled back: the consumer applies the rest again without it
    assert [e.event_type for e in await deliver(pool, _apply(projection), good)] == ["inventory.reserved"]


async def test_stock_released_in_a_batch_is_available_to_the_orders_after_it_in_order_id_order(
    pool: asyncpg.Pool, projection: Projection
):
    [product] = await new_products(pool, 3)
    before, holder, after = sorted(uuid4() for _ in range(3))
    await deliver(pool, _apply(projection), approved([(product, 3)], order_id=holder))
    outbox = await deliver(
        pool,
        _apply(projection),
        approved([(product, 3)], order_id=after),
        failed(holder),
        approved([(product, 3)], order_id=before),
    )
    assert {e.order_id: e.event_type for e in outbox} == {
        before: "inventory.failed",
        holder: "inventory.released",
        after: "inventory.reserved",
    }
    assert await _statuses(pool) == {holder: "RELEASED", after: "ACTIVE"}
    assert await _stock(pool, product) == await queries.ledger_balance(pool, product) == (3, 3)


async def test_concurrent_batches_of_multi_product_orders_never_deadlock_nor_oversell(
    pool: asyncpg.Pool, projection: Projection
):
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    products = await new_products(pool, 40, count=3)
    batches = [
        [
            approved([(p, rng.randint(1, 3)) for p in rng.sample(products, rng.randint(1, 3))])
            for _ in range(10)
        ]
        for _ in range(40)
    ]
    results = await asyncio.wait_for(
        asyncio.gather(*(deliver(pool, _apply(projection), *b) for b in batches), return_exceptions=True), 120
    )
    assert [r for r in results if isinstance(r, BaseException)] == [], seed
    kinds = [e.event_type for outbox in results for e in outbox]
    assert len(kinds) == 400 and set(kinds) == {"inventory.reserved", "inventory.failed"}, seed
    units = {p: 0 for p in products}
    for e in (e for outbox in results for e in outbox if e.event_type == "inventory.reserved"):
        for line in e.payload.items:
            units[line.product_id] += line.quantity
    for p in products:
        assert await _stock(pool, p) == await queries.ledger_balance(pool, p) == (40, units[p]), seed
