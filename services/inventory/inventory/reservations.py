"""Settling a reservation: commit, release or expire. Each runs under the reservation's row lock, so
exactly one of them ever happens to a reservation, whoever (handler or sweeper) gets there first."""

from events import Event, InventoryCommitted, InventoryReleased
from events.catalog import InventoryCommittedPayload, InventoryReleasedPayload
from inventory import repository, reservation_repository
from inventory.projection import Projection
from inventory.reservation_repository import Reservation
from runtime.unit_of_work import UnitOfWork


async def _settle(
    uow: UnitOfWork, projection: Projection, r: Reservation, kind: str, status: str, reason: str
) -> None:
    await repository.lock_products(uow.conn, list(r.quantities))
    snapshots = await repository.move_stock(
        uow.conn, kind, r.quantities, order_id=r.order_id, reservation_id=r.reservation_id, reason=reason
    )
    await reservation_repository.set_status(uow.conn, r.reservation_id, status)
    projection.stock_changed(uow, snapshots)
    projection.settled(uow, [r.reservation_id])


def _released(r: Reservation, reason: str, cause: Event | None) -> Event:
    payload = InventoryReleasedPayload(reservation_id=r.reservation_id, reason=reason)
    if cause is not None:
        return cause.caused(InventoryReleased, payload)
    return InventoryReleased.new(r.order_id, payload)


async def commit(uow: UnitOfWork, projection: Projection, r: Reservation, cause: Event) -> None:
    await _settle(uow, projection, r, "commit", "COMMITTED", "shipped")
    uow.outbox.append(cause.caused(
        InventoryCommitted, InventoryCommittedPayload(reservation_id=r.reservation_id)
    ))


async def release(uow: UnitOfWork, projection: Projection, r: Reservation, cause: Event) -> None:
    await _settle(uow, projection, r, "release", "RELEASED", "shipping_failed")
    uow.outbox.append(_released(r, "shipping_failed", cause))


async def expire(uow: UnitOfWork, projection: Projection, r: Reservation, cause: Event | None = None) -> None:
    await _settle(uow, projection, r, "expire", "EXPIRED", "expired")
    uow.outbox.append(_released(r, "expired", cause))
