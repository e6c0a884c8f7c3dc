"""Settling a reservation: commit, release or expire. Each runs under the reservation's row lock, so
exactly one of them ever happens to a reservation, whoever (handler or sweeper) gets there first."""


from events import Event, InventoryCommitted, InventoryReleased
from events.catalog import InventoryCommittedPayload, InventoryReleasedPayload
from inventory import repository
from inventory.repository import Reservation, Snapshot
from runtime.unit_of_work import UnitOfWork


async def _settle(uow: UnitOfWork, r: Reservation, kind: str, status: str, reason: str) -> list[Snapshot]:
    await repository.lock_products(uow.conn, list(r.quantities))
    snapshots = await repository.move_stock(
        uow.conn, kind, r.quantities, order_id=r.order_id, reservation_id=r.reservation_id, reason=reason
    )
    await repository.set_status(uow.conn, r.reservation_id, status)
    return snapshots


def _released(r: Reservation, reason: str, cause: Event | None) -> Event:
    payload = InventoryReleasedPayload(reservation_id=r.reservation_id, reason=reason)
    if cause is not None:
        return cause.caused(InventoryReleased, payload)
    return InventoryReleased.new(r.order_id, payload)


async def commit(uow: UnitOfWork, r: Reservation, cause: Event) -> list[Snapshot]:
    snapshots = await _settle(uow, r, "commit", "COMMITTED", "shipped")
    uow.outbox.append(cause.caused(
        InventoryCommitted, InventoryCommittedPayload(reservation_id=r.reservation_id)
    ))
    return snapshots


async def release(uow: UnitOfWork, r: Reservation, cause: Event) -> list[Snapshot]:
    snapshots = await _settle(uow, r, "release", "RELEASED", "shipping_failed")
    uow.outbox.append(_released(r, "shipping_failed", cause))
    return snapshots


async def expire(uow: UnitOfWork, r: Reservation, cause: Event | None = None) -> list[Snapshot]:
    snapshots = await _settle(uow, r, "expire", "EXPIRED", "expired")
    uow.outbox.append(_released(r, "expired", cause))
    return snapshots


