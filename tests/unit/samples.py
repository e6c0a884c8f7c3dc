"""One valid instance of every event, built the way the services build them."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar, cast
from uuid import UUID, uuid4

from events import (
    Allocation,
    Event,
    InventoryCommitted,
    InventoryFailed,
    InventoryPriceChanged,
    InventoryReleased,
    InventoryReserved,
    Item,
    Line,
    OrderCreated,
    PaymentApproved,
    PaymentFailed,
    PaymentReversed,
    Shipment,
    ShippingFailed,
    ShippingScheduled,
    Shortage,
    decode,
    encode,
)
from events.catalog import (
    InventoryCommittedPayload,
    InventoryFailedPayload,
    InventoryPriceChangedPayload,
    InventoryReleasedPayload,
    InventoryReservedPayload,
    OrderCreatedPayload,
    PaymentApprovedPayload,
    PaymentFailedPayload,
    PaymentReversedPayload,
    ShippingFailedPayload,
    ShippingScheduledPayload,
)

PRODUCT = UUID(int=7)


def items(quantity: int = 2, price: str = "49.90", product: UUID = PRODUCT) -> list[Item]:
    return [Item(product_id=product, quantity=quantity, unit_price=Decimal(price))]


def order_created(total: str = "99.80", order_id: UUID | None = None) -> OrderCreated:
    """An order whose items add up to `total`, as the order service builds it: two units at half of it
    (one unit when the cents do not halve)."""
    amount = Decimal(total)
    quantity = 2 if amount % Decimal("0.02") == 0 else 1
    return OrderCreated.new(
        order_id or uuid4(),
        OrderCreatedPayload(
            customer_id=uuid4(),
            payment_method="credit_card",
            items=items(quantity, str(amount / quantity)),
            total_amount=amount,
        ),
    )


def every_event(order_id: UUID | None = None) -> list[Event]:
    """One event of each of the ten types, all for the same order."""
    oid = order_id or uuid4()
    reservation = uuid4()
    return [
        order_created(order_id=oid),
        PaymentApproved.new(
            oid, PaymentApprovedPayload(payment_id=uuid4(), amount=Decimal("99.80"), items=items())
        ),
        PaymentFailed.new(oid, PaymentFailedPayload(reason="declined")),
        PaymentReversed.new(
            oid, PaymentReversedPayload(payment_id=uuid4(), amount=Decimal("99.80"), reason="x")
        ),
        InventoryReserved.new(
            oid,
            InventoryReservedPayload(
                reservation_id=reservation,
                items=[Line(product_id=PRODUCT, quantity=2)],
                expires_at=datetime(2030, 1, 1, tzinfo=UTC),
            ),
        ),
        InventoryFailed.new(
            oid,
            InventoryFailedPayload(
                reason="out_of_stock",
                shortages=[Shortage(product_id=PRODUCT, requested=2, available=1)],
            ),
        ),
        InventoryReleased.new(oid, InventoryReleasedPayload(reservation_id=reservation, reason="expired")),
        InventoryCommitted.new(oid, InventoryCommittedPayload(reservation_id=reservation)),
        ShippingScheduled.new(
            oid,
            ShippingScheduledPayload(
                shipment_id=uuid4(),
                tracking_code="TRK-AB12CD34",
                freight_cost=Decimal("13.00"),
                estimated_delivery=date(2030, 1, 5),
            ),
        ),
        ShippingFailed.new(oid, ShippingFailedPayload(reason="carrier refused")),
    ]


def price_changed(price: str = "49.90", version: int = 2, product: UUID = PRODUCT) -> InventoryPriceChanged:
    """A product's new price, as inventory builds it: an event that belongs to no order."""
    payload = InventoryPriceChangedPayload(product_id=product, price=Decimal(price), version=version)
    return InventoryPriceChanged.new(None, payload)


def orderless_events() -> list[Event]:
    """One event of each type that belongs to no order (they exist from schema version 3 only)."""
    return [price_changed()]


def event_of(event_type: str, order_id: UUID | None = None) -> Event:
    return next(e for e in every_event(order_id) if e.event_type == event_type)


E = TypeVar("E", bound=Event)


def as_version(event: E, version: int) -> E:
    """The event as a consumer receives it from a producer that writes schema `version`."""
    return cast(E, decode(encode(event, version), event.event_type))


def _added_fields(event: Event) -> dict[str, Any]:
    """What versions 2 and 3 add to this event's payload, filled in (nothing for the types they left alone)."""
    p = event.payload
    if isinstance(event, OrderCreated):
        return {"hold_id": uuid4()}
    if isinstance(event, PaymentApproved):
        return {"hold_id": uuid4(), "customer_id": uuid4()}
    if isinstance(p, InventoryReservedPayload):
        return {
            "allocations": [
                Allocation(product_id=line.product_id, warehouse_id="main", quantity=line.quantity)
                for line in p.items
            ]
        }
    if isinstance(p, InventoryFailedPayload):
        return {"reason": "hold_mismatch"}
    if isinstance(p, ShippingScheduledPayload):
        shipment = Shipment(
            shipment_id=p.shipment_id,
            warehouse_id="main",
            tracking_code=p.tracking_code,
            freight_cost=p.freight_cost,
            estimated_delivery=p.estimated_delivery,
        )
        return {"shipments": [shipment]}
    return {}


def with_added_fields(event: E) -> E:
    """The same event carrying what only a later version can say (hold, customer, allocations, shipments,
    hold_mismatch)."""
    payload = event.payload.model_validate({**event.payload.model_dump(), **_added_fields(event)})
    return event.model_copy(update={"payload": payload})
