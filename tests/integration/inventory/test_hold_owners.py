"""Whose a hold is: only an order of the hold's owner claims it (another customer's order, or one whose
payment.approved names no customer, is hold_mismatch whatever the hold's state, and leaves it as it
was); only the owner or a hold admin reads, releases or sells it (anyone else: as if there were none).
A hold from before holds had owners is any order's to claim, and only an admin's to see or end."""

from functools import partial
from uuid import UUID, uuid4

import pytest

from inventory.availability.projection import Projection
from inventory.handlers import apply_events
from inventory.holds import service
from inventory.holds.owners import Caller
from inventory.settings import InventorySettings
from inventory.stock import queries
from messaging.unit_of_work import UnitOfWork
from tests.integration.inventory.holds_support import OWNER, approved_with_hold, until_due
from tests.integration.inventory.support import deliver, new_products

SETTINGS = InventorySettings(reservation_ttl="10m")
OTHER = UUID("0f0e0d0c-0000-4000-8000-00000000c002")
ADMIN = Caller(uuid4(), admin=True)


def _apply(projection: Projection):
    return partial(apply_events, settings=SETTINGS, projection=projection)


async def _hold(pool, projection, product: UUID, units: int, ttl_s: float = 60) -> UUID:
    async with UnitOfWork(pool) as uow:
        made = await service.create(uow, projection, {product: units}, ttl_s, OWNER)
        assert isinstance(made, service.Hold), made
        await uow.commit()
    assert (
        await pool.fetchval("SELECT owner FROM reservations WHERE reservation_id = $1", made.hold_id) == OWNER
    )
    return made.hold_id


async def _state(pool, hold_id: UUID) -> tuple[str, UUID | None]:
    row = await pool.fetchrow("SELECT status, order_id FROM reservations WHERE reservation_id = $1", hold_id)
    return row["status"], row["order_id"]


async def _end(pool, projection, hold_id: UUID, kind: str, caller: Caller):
    async with UnitOfWork(pool) as uow:
        outcome = await service.end(
            uow, projection, hold_id, kind, caller, "POS-9" if kind == "commit" else None
        )
        await uow.commit()
    return outcome


@pytest.mark.parametrize("customer", [OTHER, None], ids=["another customer", "no customer named"])
async def test_only_an_order_of_the_owner_claims_the_hold(pool, projection: Projection, customer):
    [p] = await new_products(pool, 5)
    hold_id = await _hold(pool, projection, p, 2)
    event = approved_with_hold([(p, 2)], hold_id, customer_id=customer)
    [failed] = await deliver(pool, _apply(projection), event)
    assert (failed.event_type, failed.payload.reason) == ("inventory.failed", "hold_mismatch")
    assert await _state(pool, hold_id) == ("ACTIVE", None)  # untouched, still the owner's
    assert await queries.ledger_balance(pool, p) == (5, 2)
    owners = approved_with_hold([(p, 2)], hold_id)
    [reserved] = await deliver(pool, _apply(projection), owners)
    assert reserved.event_type == "inventory.reserved" and reserved.payload.reservation_id == hold_id
    assert await _state(pool, hold_id) == ("ACTIVE", owners.order_id)


async def test_another_customers_ended_hold_is_a_mismatch_not_a_fresh_reservation(pool, projection):
    [p] = await new_products(pool, 5)
    released, due = await _hold(pool, projection, p, 1), await _hold(pool, projection, p, 1, ttl_s=1)
    assert isinstance(await _end(pool, projection, released, "release", Caller(OWNER)), service.Hold)
    await until_due(pool, due)
    for hold_id in (released, due):
        [failed] = await deliver(
            pool, _apply(projection), approved_with_hold([(p, 1)], hold_id, customer_id=OTHER)
        )
        assert failed.payload.reason == "hold_mismatch"
    assert await _state(pool, due) == ("ACTIVE", None)  # the sweeper's to expire, not another's order's
    [fresh] = await deliver(pool, _apply(projection), approved_with_hold([(p, 1)], released))  # the owner's
    assert fresh.event_type == "inventory.reserved" and fresh.payload.reservation_id != released


async def test_another_customer_cannot_see_release_or_sell_the_hold(pool, projection: Projection):
    [p] = await new_products(pool, 5)
    hold_id = await _hold(pool, projection, p, 2)
    async with pool.acquire() as conn:
        assert await service.read(conn, hold_id, Caller(OTHER)) is None  # as if there were none
        assert await service.read(conn, uuid4(), Caller(OWNER)) is None
        assert (await service.read(conn, hold_id, Caller(OWNER))).status == "ACTIVE"
        assert (await service.read(conn, hold_id, ADMIN)).status == "ACTIVE"
    for kind in ("release", "commit"):
        assert await _end(pool, projection, hold_id, kind, Caller(OTHER)) is None
    assert await _state(pool, hold_id) == ("ACTIVE", None)
    assert await queries.ledger_balance(pool, p) == (5, 2)
    sold = await _end(pool, projection, hold_id, "commit", Caller(OWNER))
    assert isinstance(sold, service.Hold) and sold.status == "COMMITTED"
    other = await _hold(pool, projection, p, 1)
    released = await _end(pool, projection, other, "release", ADMIN)  # an admin ends anyone's
    assert isinstance(released, service.Hold) and released.status == "RELEASED"


async def test_a_hold_from_before_owners_is_any_orders_and_only_an_admins_to_see(pool, projection):
    [p] = await new_products(pool, 5)
    legacy, kept = await _hold(pool, projection, p, 1), await _hold(pool, projection, p, 1)
    await pool.execute(
        "UPDATE reservations SET owner = NULL WHERE reservation_id = ANY($1::uuid[])", [legacy, kept]
    )
    async with pool.acquire() as conn:
        assert await service.read(conn, legacy, Caller(OWNER)) is None
        assert (await service.read(conn, legacy, ADMIN)).status == "ACTIVE"
    assert await _end(pool, projection, kept, "release", Caller(OWNER)) is None
    event = approved_with_hold([(p, 1)], legacy, customer_id=OTHER)
    [reserved] = await deliver(pool, _apply(projection), event)
    assert reserved.event_type == "inventory.reserved" and reserved.payload.reservation_id == legacy
    assert isinstance(await _end(pool, projection, kept, "release", ADMIN), service.Hold)


async def test_an_order_reservation_has_no_owner(pool):
    with pytest.raises(Exception, match="owner_of_a_hold"):
        await pool.execute(
            "INSERT INTO reservations (reservation_id, order_id, origin, status, expires_at, owner)"
            " VALUES ($1, $2, 'order', 'ACTIVE', now(), $3)",
            uuid4(),
            uuid4(),
            OWNER,
        )
