"""The saga's contract: one envelope, one pydantic model per event, the names on the wire, and the order
statuses (events.statuses) and stock ledger (events.ledger) that the services and the checker share."""

from events.catalog import (
    EVENT_CLASSES,
    AnyEvent,
    Event,
    InventoryCommitted,
    InventoryFailed,
    InventoryReleased,
    InventoryReserved,
    Item,
    Line,
    OrderCreated,
    PaymentApproved,
    PaymentFailed,
    PaymentReversed,
    ShippingFailed,
    ShippingScheduled,
    Shortage,
    order_total,
)
from events.codec import InvalidEvent, decode, encode
from events.names import (
    CONSUMERS,
    DATABASES,
    SERVICES,
    dlq_name,
    exchange_name,
    producer_of,
    queue_name,
    retry_queue_name,
)
from events.types import Money

__all__ = [
    "CONSUMERS", "DATABASES", "EVENT_CLASSES", "AnyEvent", "SERVICES", "Event", "InvalidEvent", "InventoryCommitted",
    "InventoryFailed", "InventoryReleased", "InventoryReserved", "Item", "Line", "Money",
    "OrderCreated", "PaymentApproved", "PaymentFailed", "PaymentReversed", "ShippingFailed",
    "ShippingScheduled", "Shortage", "decode", "dlq_name", "encode", "exchange_name", "producer_of",
    "order_total", "queue_name", "retry_queue_name",
]
