"""Inventory's event handler: a batch of payment.approved (reserve, or claim the hold it names),
shipping.scheduled (commit, or expire if it came due first) and shipping.failed (release) applied in one
transaction.

A batch costs at most six statements whatever its size, seven when it claims holds: lock its
reservations and the holds it names (one statement, reservation id order), lock the products it may
move (product id order), ask which reservations to commit and which holds are due, then write the new
reservations, the stock movements, the settled statuses and the claimed holds. Redis is told only after
the commit (the Projection); it never takes part in a decision.
"""

from uuid import UUID

from events import Event, PaymentApproved, ShippingScheduled
from inventory.availability.projection import Projection
from inventory.holds import checkout
from inventory.reservations import repository as reservation_repository
from inventory.reservations.repository import Reservation
from inventory.reservations.settle import Changes
from inventory.settings import InventorySettings
from inventory.stock import repository
from messaging.batch import EventFailed, by_order
from messaging.errors import PermanentError
from messaging.unit_of_work import UnitOfWork
from runtime.faults import fault_point


async def apply_events(
    events: list[Event], uow: UnitOfWork, *, settings: InventorySettings, projection: Projection
) -> None:
    events = by_order(events)  # order id order; one order's events keep their arrival order
    hold_ids = {e.payload.hold_id for e in events if isinstance(e, PaymentApproved) and e.payload.hold_id}
    held, holds = await reservation_repository.lock_reservations(
        uow.conn, sorted({e.order_id for e in events}), sorted(hold_ids)
    )
    reserving = [e for e in events if isinstance(e, PaymentApproved) and e.order_id not in held]
    settling = {e.order_id for e in events if not isinstance(e, PaymentApproved)}
    active = [r for r in held.values() if r.order_id in settling and r.status == "ACTIVE"]
    open_holds = [h for h in holds.values() if checkout.is_open(h)]  # a claim may find them due
    products = {i.product_id for e in reserving for i in e.payload.items}
    products.update(p for r in active + open_holds for p in r.quantities)
    stock = await repository.lock_products(uow.conn, sorted(products)) if products else {}
    scheduled = {e.order_id for e in events if isinstance(e, ShippingScheduled)}
    due = await _due(uow, [r for r in active if r.order_id in scheduled], open_holds)
    changes = Changes(stock, held, settings.reservation_ttl.total_seconds(), holds)
    for event in events:
        r = changes.held.get(event.order_id)
        if isinstance(event, PaymentApproved):
            if r is None:  # else a duplicate: the order has (or had) its reservation
                checkout.reserve(changes, event, due)
        elif r is None:
            error = PermanentError(f"{event.event_type} for order {event.order_id} with no reservation")
            raise EventFailed(event, error)
        elif r.status != "ACTIVE":
            pass  # settled already; if it expired, shipping cancels on the inventory.released it got
        elif isinstance(event, ShippingScheduled):
            changes.settle(r, "expire" if r.reservation_id in due else "commit", event)
        else:
            changes.settle(r, "release", event)
    await changes.write(uow, projection)


async def _due(uow: UnitOfWork, committing: list[Reservation], claiming: list[Reservation]) -> set[UUID]:
    """Which of the locked, active reservations shipping wants committed, and of the locked open holds
    checkouts name, have come due, by the database clock now, after the lock: the sweeper skips locked
    rows, so whoever holds the lock decides."""
    if not committing and not claiming:
        return set()
    for _ in committing:
        await fault_point("inventory.commit_locked")  # tests: hold the lock while the reservation comes due
    for _ in claiming:
        await fault_point("inventory.claim_locked")  # tests: hold the lock while the hold comes due
    return await reservation_repository.due_among(uow.conn, [r.reservation_id for r in committing + claiming])
