"""One pydantic model per event (docs/design.md, "Events on the wire"); the envelope fields live on the base class.

Versions (expand/contract, for a rolling deploy): every event of the saga exists in schema versions 1,
2 and 3. A later version's payload may carry fields an earlier one has not (each payload class maps
them to the version that added them in ADDED, all optional); a consumer accepts every version, and a
producer writes the one its EVENT_SCHEMA_VERSION names (events.codec.encode). An event of version N
that carries a field added after N is invalid. An event type added later exists only from the version
it came with (Event.SINCE): inventory.price_changed, from version 3, is the first; it belongs to no
order (its order_id is None).
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal, Self, get_args
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, model_validator

from events.names import producer_of
from events.types import CENT, Money

SchemaVersion = Literal[1, 2, 3]
SCHEMA_VERSIONS: tuple[int, ...] = get_args(SchemaVersion)
LATEST_VERSION: SchemaVersion = 3  # what Event.new writes, and EVENT_SCHEMA_VERSION's default


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # field -> the schema version that added it; a field not named here is in every version
    ADDED: ClassVar[dict[str, int]] = {}

    @classmethod
    def added_after(cls, version: int) -> list[str]:
        """The fields schema `version` of this payload has not: those a later version added."""
        return [f for f, since in cls.ADDED.items() if since > version]

    def newer_than(self, version: int) -> list[str]:
        """What this payload carries that schema `version` has not: an event of that version carries none."""
        return [f for f in self.added_after(version) if getattr(self, f) is not None]

    @classmethod
    def as_version(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """A dumped payload as schema `version` writes it: without the fields a later version added."""
        later = cls.added_after(version)
        return {k: v for k, v in data.items() if k not in later}


class Item(Strict):
    product_id: UUID
    quantity: int = Field(strict=True, gt=0, le=1_000_000)
    unit_price: Money


def order_total(items: Iterable[Item]) -> Decimal:
    """An order's total: each item's quantity times its unit price, summed exactly in cents. The order
    service sets `order.created`'s total_amount with it, and payment checks that total with it."""
    return sum((item.quantity * item.unit_price for item in items), Decimal("0.00")).quantize(CENT)


WAREHOUSE_ID = r"^[a-z0-9][a-z0-9-]{0,31}$"  # a short slug: main, east, eu-west-2


class Line(Strict):
    product_id: UUID
    quantity: int = Field(strict=True, gt=0, le=1_000_000)


class Shortage(Strict):
    product_id: UUID
    requested: int = Field(strict=True)
    available: int = Field(strict=True)


class Event(Strict):
    """The envelope. `event_id` is also the AMQP message_id; `order_id` correlates the saga (None only in
    an event that belongs to no order: OrderlessEvent)."""

    SINCE: ClassVar[int] = 1  # the first schema version this event type exists in

    event_id: UUID
    event_type: str
    schema_version: SchemaVersion
    occurred_at: datetime
    order_id: UUID
    causation_id: UUID | None
    producer: str
    payload: Strict

    @classmethod
    def new(cls, order_id: UUID | None, payload: Strict, causation_id: UUID | None = None) -> Self:
        event_type = cls.model_fields["event_type"].default
        return cls(
            event_id=uuid4(),
            event_type=event_type,
            schema_version=LATEST_VERSION,
            occurred_at=datetime.now(UTC),
            order_id=order_id,
            causation_id=causation_id,
            producer=producer_of(event_type),
            payload=payload,
        )

    def caused(self, cls: type["Event"], payload: Strict) -> "Event":
        """The event this one causes, carrying the saga's order_id and this event as its cause."""
        return cls.new(self.order_id, payload, causation_id=self.event_id)

    @model_validator(mode="after")
    def _fields_of_its_version(self) -> Self:
        if self.schema_version < self.SINCE:
            raise ValueError(f"{self.event_type} exists only from schema_version {self.SINCE}")
        if extra := self.payload.newer_than(self.schema_version):
            raise ValueError(f"schema_version {self.schema_version} has no {', '.join(extra)}")
        return self


class OrderCreatedPayload(Strict):
    ADDED = {"hold_id": 2}
    customer_id: UUID
    payment_method: str
    items: list[Item] = Field(min_length=1)
    total_amount: Money
    hold_id: UUID | None = None  # v2: the checkout hold the order claims (POST /holds)


class OrderCreated(Event):
    event_type: Literal["order.created"] = "order.created"
    payload: OrderCreatedPayload


class PaymentApprovedPayload(Strict):
    ADDED = {"hold_id": 2, "customer_id": 3}
    payment_id: UUID
    amount: Money
    items: list[Item] = Field(min_length=1)
    hold_id: UUID | None = None  # v2: order.created's hold_id, carried on to inventory
    customer_id: UUID | None = None  # v3: order.created's; inventory claims only that customer's hold


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


class Allocation(Strict):
    """Units of one product taken from one warehouse."""

    product_id: UUID
    warehouse_id: str = Field(pattern=WAREHOUSE_ID)
    quantity: int = Field(strict=True, gt=0, le=1_000_000)


class InventoryReservedPayload(Strict):
    ADDED = {"allocations": 2}
    reservation_id: UUID
    items: list[Line] = Field(min_length=1)
    expires_at: datetime
    allocations: list[Allocation] | None = Field(None, min_length=1)  # v2: which warehouse serves what


class InventoryReserved(Event):
    event_type: Literal["inventory.reserved"] = "inventory.reserved"
    payload: InventoryReservedPayload


class InventoryFailedPayload(Strict):
    reason: Literal["out_of_stock", "unknown_product", "hold_mismatch"]  # hold_mismatch: v2
    shortages: list[Shortage]

    def newer_than(self, version: int) -> list[str]:
        return ["reason hold_mismatch"] if version < 2 and self.reason == "hold_mismatch" else []

    @classmethod
    def as_version(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Version 1 knows no hold_mismatch: it says out_of_stock (its consumers only record the reason)."""
        return (
            {**data, "reason": "out_of_stock"} if version < 2 and data["reason"] == "hold_mismatch" else data
        )


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


TRACKING_CODE = r"^TRK-[A-Z0-9]{8}$"


class Shipment(Strict):
    """One warehouse's parcel of an order."""

    shipment_id: UUID
    warehouse_id: str = Field(pattern=WAREHOUSE_ID)
    tracking_code: str = Field(pattern=TRACKING_CODE)
    freight_cost: Money
    estimated_delivery: date


class ShippingScheduledPayload(Strict):
    """Version 1's fields describe the order's first shipment, but freight_cost is the order's whole
    freight and estimated_delivery its last parcel's; version 2 adds every shipment."""

    ADDED = {"shipments": 2}
    shipment_id: UUID
    tracking_code: str = Field(pattern=TRACKING_CODE)
    freight_cost: Money
    estimated_delivery: date
    shipments: list[Shipment] | None = Field(None, min_length=1)  # v2: one per warehouse


class ShippingScheduled(Event):
    event_type: Literal["shipping.scheduled"] = "shipping.scheduled"
    payload: ShippingScheduledPayload


class ShippingFailedPayload(Strict):
    reason: str


class ShippingFailed(Event):
    event_type: Literal["shipping.failed"] = "shipping.failed"
    payload: ShippingFailedPayload


class OrderlessEvent(Event):
    """An event that belongs to no order: its envelope's order_id is null (the JSON carries `null`).

    Typed None on purpose: code written for saga events reads order_id as a UUID, and only the order
    service's price handler ever receives an orderless event; the shared code that sees every event
    (consumer, inbox, outbox, logs, the DLQ tool) is written for None."""

    order_id: None = None  # type: ignore[assignment]  # narrowed to None; see the docstring


class InventoryPriceChangedPayload(Strict):
    product_id: UUID
    price: Money = Field(gt=0)
    version: int = Field(strict=True, gt=0)  # the product row's version after the change: newer wins


class InventoryPriceChanged(OrderlessEvent):
    """A product's price, set by inventory (PUT /inventory/{id}); published only when it changes."""

    SINCE = 3
    event_type: Literal["inventory.price_changed"] = "inventory.price_changed"
    payload: InventoryPriceChangedPayload


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
    | InventoryPriceChanged
)
EVENT_CLASSES: dict[str, type[Event]] = {
    cls.model_fields["event_type"].default: cls for cls in get_args(AnyEvent)
}
# the event types that belong to no order (their order_id is None); every other one is a saga's
ORDERLESS_TYPES = frozenset(t for t, cls in EVENT_CLASSES.items() if issubclass(cls, OrderlessEvent))
