"""Shipping's event handlers: schedule on inventory.reserved, cancel on inventory.released."""

from datetime import UTC, datetime
from uuid import uuid4

from events import InventoryReleased, InventoryReserved, ShippingFailed, ShippingScheduled
from events.catalog import ShippingFailedPayload, ShippingScheduledPayload
from runtime.unit_of_work import UnitOfWork
from shipping import domain, repository
from shipping.settings import ShippingSettings


async def schedule_shipment(event: InventoryReserved, uow: UnitOfWork, *, settings: ShippingSettings) -> None:
    if await repository.find_for_update(uow.conn, event.order_id):
        return  # scheduled already, or the reservation was released first (tombstone): never ship
    units = sum(line.quantity for line in event.payload.items)
    outcome = domain.plan(
        event.order_id, units, settings.shipping_max_units, datetime.now(UTC).date(), domain.tracking_code()
    )
    shipment_id = uuid4()
    await repository.insert(uow.conn, shipment_id, event.order_id, event.payload.reservation_id, outcome)
    if isinstance(outcome, domain.Refused):
        uow.outbox.append(event.caused(ShippingFailed, ShippingFailedPayload(reason=outcome.reason)))
    else:
        uow.outbox.append(event.caused(ShippingScheduled, ShippingScheduledPayload(
            shipment_id=shipment_id, tracking_code=outcome.tracking_code,
            freight_cost=outcome.freight_cost, estimated_delivery=outcome.estimated_delivery,
        )))


async def cancel_shipment(event: InventoryReleased, uow: UnitOfWork) -> None:
    """The stock went back (expired reservation): a shipment we scheduled must not leave."""
    shipment = await repository.find_for_update(uow.conn, event.order_id)
    reason = f"reservation released: {event.payload.reason}"
    if shipment is None:
        await repository.insert_tombstone(uow.conn, uuid4(), event.order_id, reason)
    elif shipment["status"] == "SCHEDULED":
        await repository.cancel(uow.conn, event.order_id, reason)
