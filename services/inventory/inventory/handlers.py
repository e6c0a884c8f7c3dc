"""Inventory's event handlers: reserve on payment.approved, commit on shipping.scheduled, release on
shipping.failed."""

from uuid import uuid4

from events import (
    InventoryFailed,
    InventoryReserved,
    Line,
    PaymentApproved,
    ShippingFailed,
    ShippingScheduled,
)
from events.catalog import InventoryFailedPayload, InventoryReservedPayload, Shortage
from inventory import domain, repository, reservations
from inventory.settings import InventorySettings
from messaging.errors import PermanentError
from runtime.unit_of_work import UnitOfWork


async def reserve_stock(event: PaymentApproved, uow: UnitOfWork, *, settings: InventorySettings) -> None:
    if await repository.reservation_exists(uow.conn, event.order_id):
        return
    wanted = domain.quantities((i.product_id, i.quantity) for i in event.payload.items)
    stock = await repository.lock_products(uow.conn, list(wanted))  # product_id order: no deadlocks
    outcome = domain.reserve(stock, wanted)
    if isinstance(outcome, domain.Reject):
        uow.outbox.append(event.caused(InventoryFailed, InventoryFailedPayload(
            reason=outcome.reason,
            shortages=[Shortage(product_id=s.product_id, requested=s.requested, available=s.available)
                       for s in outcome.shortages],
        )))
        return
    reservation_id = uuid4()
    expires_at = await repository.create_reservation(
        uow.conn, reservation_id, event.order_id, settings.reservation_ttl.total_seconds(), outcome.quantities
    )
    await repository.move_stock(
        uow.conn, "reserve", outcome.quantities, order_id=event.order_id, reservation_id=reservation_id
    )
    uow.outbox.append(event.caused(InventoryReserved, InventoryReservedPayload(
        reservation_id=reservation_id, expires_at=expires_at,
        items=[Line(product_id=p, quantity=q) for p, q in outcome.quantities.items()],
    )))


async def commit_reservation(event: ShippingScheduled, uow: UnitOfWork) -> None:
    """Shipping scheduled: commit the stock, unless the reservation expired first (then expire it)."""
    r = await repository.lock_reservation(uow.conn, event.order_id)
    if r is None:
        raise PermanentError(f"shipping.scheduled for order {event.order_id} with no reservation")
    if r.status != "ACTIVE":
        return  # expired or released already: shipping cancels on the inventory.released it gets
    if r.due:
        await reservations.expire(uow, r, event)
    else:
        await reservations.commit(uow, r, event)


async def release_reservation(event: ShippingFailed, uow: UnitOfWork) -> None:
    r = await repository.lock_reservation(uow.conn, event.order_id)
    if r is None:
        raise PermanentError(f"shipping.failed for order {event.order_id} with no reservation")
    if r.status == "ACTIVE":
        await reservations.release(uow, r, event)
