"""Checkout with a hold (payment.approved naming one): an active, unclaimed hold with the order's lines
becomes the order's reservation; an ended or due one leaves the order to a fresh reservation; anything
else is hold_mismatch. Every schema version of payment.approved (a claim needs version 3's customer), and a
batch still a few statements."""

from datetime import UTC, datetime, timedelta
from functools import partial
from uuid import UUID, uuid4

import asyncpg
import pytest

from events import SCHEMA_VERSIONS
from events.codec import decode, encode
from inventory.availability.projection import Projection
from inventory.handlers import apply_events
from inventory.holds import service
from inventory.holds.owners import Caller
from inventory.settings import InventorySettings
from inventory.stock import queries
from messaging.unit_of_work import UnitOfWork
from tests.integration.inventory.holds_support import OWNER, approved_with_hold, ledger, until_due
from tests.integration.inventory.support import approved, deliver, new_products, scheduled

SETTINGS = InventorySettings(reservation_ttl="10m")
MAX_STATEMENTS = 6  # as tests/integration/inventory/test_batches.py counts them; one more to claim holds


def _apply(projection: Projection):
    return partial(apply_events, settings=SETTINGS, projection=projection)


async def _hold(pool, projection, items: dict[UUID, int], ttl_s: float = 60, owner: UUID = OWNER) -> UUID:
    async with UnitOfWork(pool) as uow:
        made = await service.create(uow, projection, dict(sorted(items.items())), ttl_s, owner)
        assert isinstance(made, service.Hold), made
        await uow.commit()
    return made.hold_id


async def _row(pool, reservation_id: UUID) -> asyncpg.Record:
    return await pool.fetchrow(
        "SELECT status, order_id, claimed_at, expires_at, origin FROM reservations WHERE reservation_id = $1",
        reservation_id,
    )


async def test_a_matching_hold_becomes_the_orders_reservation(pool, projection: Projection):
    p, q = sorted(await new_products(pool, 5, count=2))
    hold_id = await _hold(pool, projection, {p: 2, q: 1}, ttl_s=30)
    order = uuid4()
    event = approved_with_hold([(q, 1), (p, 1), (p, 1)], hold_id, order)  # the same lines, summed
    [reserved] = await deliver(pool, _apply(projection), event)
    assert reserved.event_type == "inventory.reserved" and reserved.causation_id == event.event_id
    assert reserved.payload.reservation_id == hold_id
    assert [(i.product_id, i.quantity) for i in reserved.payload.items] == [(p, 2), (q, 1)]
    assert [(a.product_id, a.warehouse_id, a.quantity) for a in reserved.payload.allocations] == [
        (p, "main", 2),
        (q, "main", 1),
    ]
    row = await _row(pool, hold_id)
    assert (row["status"], row["order_id"], row["origin"]) == ("ACTIVE", order, "hold")
    assert row["claimed_at"] is not None and row["expires_at"] == reserved.payload.expires_at
    # greatest(its own expiry, now + RESERVATION_TTL): the order gets the full ttl
    assert row["expires_at"] > datetime.now(UTC) + timedelta(minutes=9)
    index = await projection.index.gate.run(lambda c: c.zscore(projection.index.key, str(hold_id)))
    assert index == row["expires_at"].timestamp()
    assert await queries.ledger_balance(pool, p) == (5, 2)  # nothing moved: the hold's units, once
    assert await deliver(pool, _apply(projection), approved_with_hold([(p, 2), (q, 1)], hold_id, order)) == []
    [committed] = await deliver(pool, _apply(projection), scheduled(order))
    assert committed.event_type == "inventory.committed" and committed.payload.reservation_id == hold_id
    assert [(m[0], m[2], m[3]) for m in await ledger(pool, hold_id)] == [
        ("reserve", 2, None),
        ("reserve", 1, None),
        ("commit", 2, order),
        ("commit", 1, order),
    ]


async def test_a_hold_keeps_a_later_expiry_of_its_own(pool, projection: Projection):
    [p] = await new_products(pool, 5)
    hold_id = await _hold(pool, projection, {p: 1}, ttl_s=3000)  # beyond RESERVATION_TTL
    before = (await _row(pool, hold_id))["expires_at"]
    [reserved] = await deliver(pool, _apply(projection), approved_with_hold([(p, 1)], hold_id))
    assert reserved.payload.expires_at == before == (await _row(pool, hold_id))["expires_at"]


async def _mismatch(pool, projection, event) -> None:
    [failed] = await deliver(pool, _apply(projection), event)
    assert failed.event_type == "inventory.failed" and failed.causation_id == event.event_id
    assert (failed.payload.reason, failed.payload.shortages) == ("hold_mismatch", [])
    assert await pool.fetchval("SELECT count(*) FROM reservations WHERE order_id = $1", event.order_id) == 0


async def test_other_lines_are_a_mismatch_and_leave_the_hold_as_it_was(pool, projection: Projection):
    p, q = sorted(await new_products(pool, 5, count=2))
    hold_id = await _hold(pool, projection, {p: 2})
    for items in ([(p, 1)], [(p, 3)], [(p, 2), (q, 1)], [(q, 2)]):
        await _mismatch(pool, projection, approved_with_hold(items, hold_id))
    row = await _row(pool, hold_id)
    assert (row["status"], row["order_id"]) == ("ACTIVE", None)
    assert await queries.ledger_balance(pool, p) == (5, 2)


async def test_a_hold_claimed_committed_or_missing_is_a_mismatch(pool, projection: Projection):
    [p] = await new_products(pool, 10)
    claimed = await _hold(pool, projection, {p: 1})
    await deliver(pool, _apply(projection), approved_with_hold([(p, 1)], claimed))
    await _mismatch(pool, projection, approved_with_hold([(p, 1)], claimed))  # another order
    sold = await _hold(pool, projection, {p: 1})
    async with UnitOfWork(pool) as uow:
        assert isinstance(
            await service.end(uow, projection, sold, "commit", Caller(OWNER), "POS-1"), service.Hold
        )
        await uow.commit()
    await _mismatch(pool, projection, approved_with_hold([(p, 1)], sold))
    await _mismatch(pool, projection, approved_with_hold([(p, 1)], uuid4()))  # no such hold
    [order_reservation] = await deliver(pool, _apply(projection), approved([(p, 1)]))  # not a hold
    await _mismatch(pool, projection, approved_with_hold([(p, 1)], order_reservation.payload.reservation_id))
    assert await queries.ledger_balance(pool, p) == (9, 2)


async def test_two_orders_naming_one_hold_in_a_batch_one_claims_it(pool, projection: Projection):
    [p] = await new_products(pool, 5)
    hold_id = await _hold(pool, projection, {p: 1})
    events = [approved_with_hold([(p, 1)], hold_id) for _ in range(2)]
    outbox = await deliver(pool, _apply(projection), *events)
    first, second = sorted(events, key=lambda e: e.order_id)  # decided in order id order
    by_cause = {e.causation_id: e for e in outbox}
    assert by_cause[first.event_id].event_type == "inventory.reserved"
    assert by_cause[second.event_id].payload.reason == "hold_mismatch"
    assert (await _row(pool, hold_id))["order_id"] == first.order_id


async def test_a_released_hold_leaves_the_order_a_fresh_reservation(pool, projection: Projection):
    [p] = await new_products(pool, 3)
    hold_id = await _hold(pool, projection, {p: 3})
    async with UnitOfWork(pool) as uow:
        assert isinstance(await service.end(uow, projection, hold_id, "release", Caller(OWNER)), service.Hold)
        await uow.commit()
    event = approved_with_hold([(p, 2)], hold_id)  # its lines need not match any more
    [reserved] = await deliver(pool, _apply(projection), event)
    assert reserved.event_type == "inventory.reserved" and reserved.payload.reservation_id != hold_id
    assert (await _row(pool, hold_id))["status"] == "RELEASED"
    [short] = await deliver(pool, _apply(projection), approved_with_hold([(p, 2)], hold_id))
    assert short.payload.reason == "out_of_stock"  # nothing left for another fresh one


async def test_a_due_hold_is_expired_and_the_order_reserves_afresh(pool, projection: Projection):
    [p] = await new_products(pool, 2)
    hold_id = await _hold(pool, projection, {p: 2}, ttl_s=1)  # the last units
    await until_due(pool, hold_id)
    statements: list[str] = []
    event = approved_with_hold([(p, 2)], hold_id)
    [reserved] = await deliver(pool, _apply(projection), event, statements=statements)
    assert reserved.event_type == "inventory.reserved" and reserved.payload.reservation_id != hold_id
    row = await _row(pool, hold_id)
    assert (row["status"], row["order_id"]) == ("EXPIRED", None)  # expired, never claimed
    assert [m[0] for m in await ledger(pool, hold_id)] == ["reserve", "expire"]
    assert await queries.ledger_balance(pool, p) == (2, 2)
    assert len(statements) <= MAX_STATEMENTS, statements


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
async def test_every_version_of_payment_approved_reserves(pool, projection: Projection, version: int):
    [p] = await new_products(pool, 5)
    hold_id = await _hold(pool, projection, {p: 1})
    event = decode(encode(approved_with_hold([(p, 1)], None), version))  # version 1 cannot name a hold
    assert event.schema_version == version
    [reserved] = await deliver(pool, _apply(projection), event)
    assert reserved.event_type == "inventory.reserved" and reserved.payload.reservation_id != hold_id
    assert (await _row(pool, hold_id))["order_id"] is None


@pytest.mark.parametrize("version", [v for v in SCHEMA_VERSIONS if v >= 2])
async def test_a_hold_checkout_needs_payment_approved_of_version_3(
    pool, projection: Projection, version: int
):
    """Version 2 names the hold but not the order's customer (version 3 added it): inventory cannot tell
    the order is the owner's, so it refuses the claim as it refuses another customer's (docs/design.md)."""
    [p] = await new_products(pool, 5)
    hold_id = await _hold(pool, projection, {p: 1})
    claiming = decode(encode(approved_with_hold([(p, 1)], hold_id), version))
    assert claiming.payload.hold_id == hold_id
    [outcome] = await deliver(pool, _apply(projection), claiming)
    if version == 2:
        assert claiming.payload.customer_id is None
        assert (outcome.event_type, outcome.payload.reason) == ("inventory.failed", "hold_mismatch")
        assert (await _row(pool, hold_id))["order_id"] is None  # the hold is untouched, still open
    else:
        assert outcome.event_type == "inventory.reserved" and outcome.payload.reservation_id == hold_id


async def test_a_batch_that_claims_holds_costs_one_statement_more(pool, projection: Projection):
    products = sorted(await new_products(pool, 100, count=3))
    holds = [await _hold(pool, projection, {products[i % 3]: 1}) for i in range(12)]
    to_settle = [approved([(products[0], 1)]) for _ in range(4)]
    for e in to_settle:
        await deliver(pool, _apply(projection), e)
    batch = [approved_with_hold([(products[i % 3], 1)], h) for i, h in enumerate(holds)]
    batch += [approved([(products[1], 2)]) for _ in range(5)]
    batch += [scheduled(e.order_id) for e in to_settle[:2]]
    statements: list[str] = []
    outbox = await deliver(pool, _apply(projection), *batch, statements=statements)
    assert len(statements) <= MAX_STATEMENTS + 1, statements
    claimed = {e.payload.reservation_id for e in outbox if e.event_type == "inventory.reserved"}
    assert set(holds) <= claimed
    assert sum(e.event_type == "inventory.committed" for e in outbox) == 2
