"""Shipping's event handler: schedule on inventory.reserved (one shipment per warehouse), cancel on
inventory.released (every shipment of the order).

A batch of events costs at most three statements whatever its size: lock its shipments (in order id
order), insert the new shipments and tombstones, cancel the scheduled shipments whose stock went back.
Everything is decided in memory first, one order's events in arrival order, so a batch ends where the
same events one at a time would.
"""

from datetime import UTC, datetime
from uuid import UUID, uuid4

from events import Event, InventoryReleased, InventoryReserved, ShippingFailed, ShippingScheduled
from events.catalog import Shipment, ShippingFailedPayload, ShippingScheduledPayload
from messaging.batch import EventFailed, by_order
from messaging.errors import PermanentError
from messaging.unit_of_work import UnitOfWork
from shipping import domain, repository
from shipping.settings import ShippingSettings


async def apply_events(events: list[Event], uow: UnitOfWork, *, settings: ShippingSettings) -> None:
    events = by_order(events)  # order id order; one order's events keep their arrival order
    status = await repository.lock(uow.conn, [e.order_id for e in events])
    new: list[repository.NewShipment] = []
    cancelled: dict[UUID, str] = {}
    for event in events:
        current = status.get(event.order_id)
        if isinstance(event, InventoryReserved):
            if current is None:  # else scheduled already, or released first (tombstone): never ship
                shipments = _schedule(event, uow, settings)
                new.extend(shipments)
                status[event.order_id] = (
                    "FAILED" if isinstance(shipments[0].outcome, domain.Refused) else "SCHEDULED"
                )
        elif isinstance(
            event, InventoryReleased
        ):  # the stock went back (an expired reservation): nothing may leave
            reason = f"reservation released: {event.payload.reason}"
            if current is None:
                new.append(repository.NewShipment(uuid4(), event.order_id, None, 1, domain.Tombstone(reason)))
                status[event.order_id] = "CANCELLED"
            elif current == "SCHEDULED":
                cancelled[event.order_id] = reason
                status[event.order_id] = "CANCELLED"
        else:  # the consumer decodes each queue's one event type, so this is a routing mistake
            raise EventFailed(event, PermanentError(f"shipping does not consume {event.event_type}"))
    if new:  # a shipment scheduled and cancelled in this batch is inserted first, then cancelled
        await repository.insert_many(uow.conn, new)
    if cancelled:
        await repository.cancel_many(uow.conn, cancelled)


def _schedule(
    event: InventoryReserved, uow: UnitOfWork, settings: ShippingSettings
) -> list[repository.NewShipment]:
    """The order's shipments, one per warehouse its allocations name (all from the main warehouse when
    they name none), and the event saying so; or its refusal."""
    lines = [(line.product_id, line.quantity) for line in event.payload.items]
    allocations = event.payload.allocations
    picks = None if allocations is None else [(a.warehouse_id, a.product_id, a.quantity) for a in allocations]
    if picks is not None and (wrong := domain.unallocated(lines, picks)):
        raise EventFailed(event, PermanentError(wrong))  # shipping the wrong units is worse than none
    warehouses = domain.units_by_warehouse(picks, sum(q for _, q in lines))
    outcome = domain.plan(event.order_id, warehouses, settings.shipping_max_units, datetime.now(UTC).date())
    reservation_id = event.payload.reservation_id
    if isinstance(outcome, domain.Refused):
        uow.outbox.append(event.caused(ShippingFailed, ShippingFailedPayload(reason=outcome.reason)))
        return [repository.NewShipment(uuid4(), event.order_id, reservation_id, 1, outcome)]
    rows = [
        repository.NewShipment(uuid4(), event.order_id, reservation_id, n, parcel)
        for n, parcel in enumerate(outcome.parcels, start=1)
    ]
    shipments = [
        Shipment(
            shipment_id=row.shipment_id,
            warehouse_id=parcel.warehouse_id,
            tracking_code=parcel.tracking_code,
            freight_cost=parcel.freight_cost,
            estimated_delivery=parcel.estimated_delivery,
        )
        for row, parcel in zip(rows, outcome.parcels, strict=True)
    ]
    uow.outbox.append(
        event.caused(
            ShippingScheduled,
            ShippingScheduledPayload(  # version 1's fields: the first shipment, the order's freight, its last day
                shipment_id=shipments[0].shipment_id,
                tracking_code=shipments[0].tracking_code,
                freight_cost=outcome.freight_cost,
                estimated_delivery=outcome.estimated_delivery,
                shipments=shipments,
            ),
        )
    )
    return rows
