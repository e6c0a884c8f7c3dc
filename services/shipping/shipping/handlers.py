"""Shipping's event handler: schedule on inventory.reserved, cancel on inventory.released.

A batch of events costs at most three statements whatever its size: lock its shipments (in order id
order), insert the new shipments and tombstones, cancel the scheduled shipments whose stock went back.
Everything is decided in memory first, one order's events in arrival order, so a batch ends where the
same events one at a time would.
"""

from datetime import UTC, datetime
from uuid import UUID, uuid4

from events import Event, InventoryReleased, InventoryReserved, ShippingFailed, ShippingScheduled
from events.catalog import ShippingFailedPayload, ShippingScheduledPayload
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
                shipment = _schedule(event, uow, settings)
                new.append(shipment)
                status[event.order_id] = (
                    "SCHEDULED" if isinstance(shipment.outcome, domain.Scheduled) else "FAILED"
                )
        elif isinstance(
            event, InventoryReleased
        ):  # the stock went back (an expired reservation): nothing may leave
            reason = f"reservation released: {event.payload.reason}"
            if current is None:
                new.append(repository.NewShipment(uuid4(), event.order_id, None, domain.Tombstone(reason)))
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
) -> repository.NewShipment:
    units = sum(line.quantity for line in event.payload.items)
    outcome = domain.plan(
        event.order_id, units, settings.shipping_max_units, datetime.now(UTC).date(), domain.tracking_code()
    )
    shipment_id = uuid4()
    if isinstance(outcome, domain.Refused):
        uow.outbox.append(event.caused(ShippingFailed, ShippingFailedPayload(reason=outcome.reason)))
    else:
        uow.outbox.append(
            event.caused(
                ShippingScheduled,
                ShippingScheduledPayload(
                    shipment_id=shipment_id,
                    tracking_code=outcome.tracking_code,
                    freight_cost=outcome.freight_cost,
                    estimated_delivery=outcome.estimated_delivery,
                ),
            )
        )
    return repository.NewShipment(shipment_id, event.order_id, event.payload.reservation_id, outcome)
