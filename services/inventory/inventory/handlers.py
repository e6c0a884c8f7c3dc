"""Inventory's event handlers: reserve on payment.approved, commit on shipping.scheduled, release on
shipping.failed. Redis is told only after the commit (the Projection); it never takes part in a decision."""

from uuid import uuid4

from events import (
    Event,
    InventoryFailed,
    InventoryReserved,
    Line,
    PaymentApproved,
    ShippingFailed,
    ShippingScheduled,
)
from events.catalog import InventoryFailedPayload, InventoryReservedPayload, Shortage
from inventory import domain, repository, reservation_repository, reservations
from inventory.projection import Projection
from inventory.settings import InventorySettings
from messaging.errors import PermanentError
from runtime.faults import fault_point
from runtime.unit_of_work import UnitOfWork


async def lock_batch(events: list[Event], uow: UnitOfWork) -> None:
    """A batch's rows in the global lock order (reservation first, then products, as one event would):
    the reservations it settles by order id, then every product it touches by product id."""
    products = {i.product_id for e in events if isinstance(e, PaymentApproved) for i in e.payload.items}
    settling = [e.order_id for e in events if not isinstance(e, PaymentApproved)]
    if settling:
        products |= await reservation_repository.lock_reservations(uow.conn, settling)
    await repository.lock_products(uow.conn, sorted(products))


async def reserve_stock(
    event: PaymentApproved, uow: UnitOfWork, *, settings: InventorySettings, projection: Projection
) -> None:
    if await reservation_repository.reservation_exists(uow.conn, event.order_id):
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
    expires_at = await reservation_repository.create_reservation(
        uow.conn, reservation_id, event.order_id, settings.reservation_ttl.total_seconds(), outcome.quantities
    )
    snapshots = await repository.move_stock(
        uow.conn, "reserve", outcome.quantities, order_id=event.order_id, reservation_id=reservation_id
    )
    projection.stock_changed(uow, snapshots)
    projection.reserved(uow, reservation_id, expires_at)
    uow.outbox.append(event.caused(InventoryReserved, InventoryReservedPayload(
        reservation_id=reservation_id, expires_at=expires_at,
        items=[Line(product_id=p, quantity=q) for p, q in outcome.quantities.items()],
    )))


async def commit_reservation(event: ShippingScheduled, uow: UnitOfWork, *, projection: Projection) -> None:
    """Shipping scheduled: commit the stock, unless the reservation expired first (then expire it).

    The sweeper takes the same row lock (SKIP LOCKED), so whichever holds it decides; the other finds
    the reservation settled. A late shipping.scheduled for an expired reservation changes nothing: the
    inventory.released(expired) already sent makes shipping cancel the shipment.
    """
    r = await reservation_repository.lock_reservation(uow.conn, event.order_id)
    if r is None:
        raise PermanentError(f"shipping.scheduled for order {event.order_id} with no reservation")
    if r.status != "ACTIVE":
        return  # expired or released already: shipping cancels on the inventory.released it gets
    await fault_point("inventory.commit_locked")  # tests: hold the lock while the reservation comes due
    if await reservation_repository.is_due(uow.conn, r.reservation_id):
        await reservations.expire(uow, projection, r, event)
    else:
        await reservations.commit(uow, projection, r, event)


async def release_reservation(event: ShippingFailed, uow: UnitOfWork, *, projection: Projection) -> None:
    r = await reservation_repository.lock_reservation(uow.conn, event.order_id)
    if r is None:
        raise PermanentError(f"shipping.failed for order {event.order_id} with no reservation")
    if r.status == "ACTIVE":
        await reservations.release(uow, projection, r, event)
