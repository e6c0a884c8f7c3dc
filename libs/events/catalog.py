"""One pydantic model per event (docs/design.md, "Events on the wire"); the envelope fields live on the base class."""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal, Self, get_args
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field

from events.names import producer_of
from events.types import CENT, Money


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(Strict):
    product_id: UUID
    quantity: int = Field(strict=True, gt=0, le=1_000_000)
    unit_price: Money


def order_total(items: Iterable[Item]) -> Decimal:
    """An order's total: each item's quantity times its unit price, summed exactly in cents. The order
    service sets `order.created`'s total_amount with it, and payment checks that total with it."""
    return sum((item.quantity * item.unit_price for item in items), Decimal("0.00")).quantize(CENT)


class Line(Strict):
    product_id: UUID
    quantity: int = Field(strict=True, gt=0, le=1_000_000)


class Shortage(Strict):
    product_id: UUID
    requested: int = Field(strict=True)
    available: int = Field(strict=True)


class Event(Strict):
    """The envelope. `event_id` is also the AMQP message_id; `order_id` correlates the saga."""

    event_id: UUID
    event_type: str
    schema_version: Literal[1]
    occurred_at: datetime
    order_id: UUID
    causation_id: UUID | None
    producer: str
    payload: Strict

    @classmethod
    def new(cls, order_id: UUID, payload: Strict, causation_id: UUID | None = None) -> Self:
        event_type = cls.model_fields["event_type"].default
        return cls(
            event_id=uuid4(),
            event_type=event_type,
            schema_version=1,
            occurred_at=datetime.now(UTC),
            order_id=order_id,
            causation_id=causation_id,
            producer=producer_of(event_type),
            payload=payload,
        )

    def caused(self, cls: type["Event"], payload: Strict) -> "Event":
        """The event this one causes, carrying the saga's order_id and this event as its cause."""
        return cls.new(self.order_id, payload, causation_id=self.event_id)


class OrderCreatedPayload(Strict):
    customer_id: UUID
    payment_method: str
    items: list[Item] = Field(min_length=1)
    total_amount: Money


class OrderCreated(Event):
    event_type: Literal["order.created"] = "order.created"
    payload: OrderCreatedPayload


class PaymentApprovedPayload(Strict):
    payment_id: UUID
    amount: Money
    items: list[Item] = Field(min_length=1)


class PaymentApproved(Event):
    event_type: Literal["payment.approved"] = "payment.approved"
    payload: PaymentApprovedPayload


class PaymentFailedPayload(Strict):
    reason: str


class PaymentFailed(Event):
    event_type: Literal["payment.failed"] = "payment.failed"
    payload: PaymentFailedPayload


class PaymentReversedPayload(Strict):
    payment_id: UUID
    amount: Money
    reason: str


class PaymentReversed(Event):
    event_type: Literal["payment.reversed"] = "payment.reversed"
    payload: PaymentReversedPayload


class InventoryReservedPayload(Strict):
    reservation_id: UUID
    items: list[Line] = Field(min_length=1)
    expires_at: datetime


class InventoryReserved(Event):
    event_type: Literal["inventory.reserved"] = "inventory.reserved"
    payload: InventoryReservedPayload


class InventoryFailedPayload(Strict):
    reason: Literal["out_of_stock", "unknown_product"]
    shortages: list[Shortage]


class InventoryFailed(Event):
    event_type: Literal["inventory.failed"] = "inventory.failed"
    payload: InventoryFailedPayload


class InventoryReleasedPayload(Strict):
    reservation_id: UUID
    reason: Literal["shipping_failed", "expired"]


class InventoryReleased(Event):
    event_type: Literal["inventory.released"] = "inventory.released"
    payload: InventoryReleasedPayload


class InventoryCommittedPayload(Strict):
    reservation_id: UUID


class InventoryCommitted(Event):
    event_type: Literal["inventory.committed"] = "inventory.committed"
    payload: InventoryCommittedPayload


class ShippingScheduledPayload(Strict):
    shipment_id: UUID
    tracking_code: str = Field(pattern=r"^TRK-[A-Z0-9]{8}$")
    freight_cost: Money
    estimated_delivery: date


class ShippingScheduled(Event):
    event_type: Literal["shipping.scheduled"] = "shipping.scheduled"
    payload: ShippingScheduledPayload


class ShippingFailedPayload(Strict):
    reason: str


class ShippingFailed(Event):
    event_type: Literal["shipping.failed"] = "shipping.failed"
    payload: ShippingFailedPayload


# every event of the saga, one closed union: what the codec decodes to and what handlers dispatch on
AnyEvent = (
    OrderCreated
    | PaymentApproved
    | PaymentFailed
    | PaymentReversed
    | InventoryReserved
    | InventoryFailed
    | InventoryReleased
    | InventoryCommitted
    | ShippingScheduled
    | ShippingFailed
)
EVENT_CLASSES: dict[str, type[Event]] = {
    cls.model_fields["event_type"].default: cls for cls in get_args(AnyEvent)
}
