"""The holds API's operations, each one transaction: create a hold, read it, release it, sell it (a
point-of-sale commit). A hold is a reservation with origin 'hold'; its id is its reservation_id.

Release and commit lock the hold's row, then its products, as every other end does; one that finds the
hold due by the database clock expires it instead, so the clock wins whoever holds the lock.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from inventory.availability.projection import Projection
from inventory.holds.owners import Caller
from inventory.holds.repository import HoldRow, read_hold
from inventory.reservations import repository as reservation_repository
from inventory.reservations.settle import SETTLEMENTS, Changes
from inventory.stock import domain, repository
from inventory.stock.domain import Pick
from messaging.unit_of_work import UnitOfWork

# an end asked for through the API -> the reason the ledger gives it
ENDS = {"release": "released", "commit": "sold"}


@dataclass(frozen=True)
class Hold:
    hold_id: UUID
    status: str  # ACTIVE, RELEASED, EXPIRED, COMMITTED, or CLAIMED (an order took it)
    expires_at: datetime
    order_id: UUID | None
    reference: str | None
    picks: tuple[Pick, ...]  # product_id order, then the warehouses'


@dataclass(frozen=True)
class NotActive:
    hold: Hold
    expired_now: bool = False  # it was due: this request expired it (the change is committed)


def _hold(row: HoldRow) -> Hold:
    r = row.reservation
    status = "CLAIMED" if r.order_id is not None else r.status  # claimed: the order's reservation now
    return Hold(r.reservation_id, status, row.expires_at, r.order_id, row.reference, r.picks)


async def create(
    uow: UnitOfWork, projection: Projection, wanted: dict[UUID, int], ttl_s: float, owner: UUID
) -> Hold | domain.Reject:
    """Hold `wanted` (units per product, product_id order) for `ttl_s`, `owner`'s: all of it, or nothing."""
    changes = Changes(await repository.lock_products(uow.conn, list(wanted)))
    r = changes.hold(wanted, ttl_s, owner)
    if isinstance(r, domain.Reject):
        return r
    await changes.write(uow, projection)
    return Hold(r.reservation_id, "ACTIVE", changes.expires[r.reservation_id], None, None, r.picks)


async def read(conn: asyncpg.Connection, hold_id: UUID, caller: Caller) -> Hold | None:
    """The hold, or None if there is none the caller may see."""
    row = await read_hold(conn, hold_id)
    return None if row is None or not caller.may_see(row.reservation) else _hold(row)


async def end(
    uow: UnitOfWork,
    projection: Projection,
    hold_id: UUID,
    kind: str,
    caller: Caller,
    reference: str | None = None,
) -> Hold | NotActive | None:
    """Release or commit (`kind`) an active hold; releasing a released one answers the same again. None:
    no such hold, or none the caller may see (the caller cannot tell which)."""
    row = await read_hold(uow.conn, hold_id, lock=True)
    if row is None or not caller.may_see(row.reservation):
        return None
    hold, r = _hold(row), row.reservation
    if hold.status == "RELEASED" and kind == "release":
        return hold
    if hold.status != "ACTIVE":
        return NotActive(hold)
    due = bool(await reservation_repository.due_among(uow.conn, [hold_id]))  # after the lock: its clock now
    changes = Changes(await repository.lock_products(uow.conn, sorted(r.quantities)))
    if due:
        changes.settle(r, "expire")
    else:
        changes.settle(r, kind, reason=ENDS[kind], reference=reference)
    await changes.write(uow, projection)
    if due:
        return NotActive(Hold(hold_id, SETTLEMENTS["expire"][0], row.expires_at, None, None, r.picks), True)
    return Hold(hold_id, SETTLEMENTS[kind][0], row.expires_at, None, reference, r.picks)
