"""Order's event handlers: every saga event is recorded in the history; some move the status, and
shipping.scheduled brings the order's shipments; inventory.price_changed updates the copy of the prices.

A batch of saga events costs two statements whatever its size: lock the orders (in order id order), then
write the changed orders, their shipments and the history rows together. Price events lock their price
rows after that (product id order), so two batches always lock in one order.
"""

from uuid import UUID

from events import Event, InventoryPriceChanged, ShippingScheduled
from messaging.batch import EventFailed
from messaging.errors import PermanentError
from messaging.unit_of_work import UnitOfWork
from order import domain, prices, pricing, repository


async def apply_events(events: list[Event], uow: UnitOfWork) -> None:
    """The service's batch handler: the saga events of the batch, then its price events."""
    saga = [e for e in events if not isinstance(e, InventoryPriceChanged)]
    priced = [e for e in events if isinstance(e, InventoryPriceChanged)]
    if saga:
        await record_events(saga, uow)
    if priced:
        await record_prices(priced, uow)


async def record_prices(events: list[InventoryPriceChanged], uow: UnitOfWork) -> None:
    """Keep each product's newest price: an event older than (or as old as) the kept one changes nothing."""
    kept = await prices.lock_versions(uow.conn, sorted({e.payload.product_id for e in events}))
    news = pricing.newer(kept, events)
    if news:
        await prices.save(uow.conn, news)


async def record_events(events: list[Event], uow: UnitOfWork) -> None:
    status = await repository.lock_statuses(uow.conn, [e.order_id for e in events])
    changed: dict[UUID, tuple[str, str | None]] = {}  # order -> (status, tracking code or None)
    history: list[repository.HistoryRow] = []
    shipments: list[repository.ShipmentRow] = []
    for event in events:  # in arrival order: one order's events apply as if one at a time
        current = status.get(event.order_id)
        if current is None:
            raise EventFailed(event, PermanentError(f"{event.event_type} for unknown order {event.order_id}"))
        outcome = domain.apply(current, event.event_type)
        new_status = outcome.statuses[-1] if outcome.statuses else current
        tracking = None
        if isinstance(event, ShippingScheduled) and domain.keeps_tracking_code(new_status):
            tracking = event.payload.tracking_code
            shipments.extend(_shipments(event))
        if outcome.statuses or tracking:
            kept = changed.get(event.order_id, (current, None))[1]
            changed[event.order_id] = (new_status, tracking or kept)
        status[event.order_id] = new_status
        history.extend(
            repository.HistoryRow(
                event.order_id, s, event.event_type, event.event_id, outcome.applied, outcome.note
            )
            for s in (outcome.statuses or [None])
        )
    await repository.record(uow.conn, changed, history, shipments)


def _shipments(event: ShippingScheduled) -> list[repository.ShipmentRow]:
    """The order's shipments: version 2 lists them; version 1 describes one, from a warehouse it does not
    name (None) and with the order's whole freight."""
    p, oid = event.payload, event.order_id
    if p.shipments is None:
        return [
            repository.ShipmentRow(
                oid, 1, p.shipment_id, None, p.tracking_code, p.freight_cost, p.estimated_delivery
            )
        ]
    return [
        repository.ShipmentRow(
            oid, n, s.shipment_id, s.warehouse_id, s.tracking_code, s.freight_cost, s.estimated_delivery
        )
        for n, s in enumerate(p.shipments, start=1)
    ]
