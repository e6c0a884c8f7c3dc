"""Names defined once: the services and their databases; on the wire, exchanges, per-consumer queues,
retry and dead-letter queues."""

SERVICES = ("order", "payment", "inventory", "shipping")
# service -> its own PostgreSQL database (a test stack prefixes the name: `<prefix>_orders`)
DATABASES = {"order": "orders", "payment": "payments", "inventory": "inventory", "shipping": "shipping"}

# consumer -> the routing keys it consumes (docs/design.md, "Events on the wire")
CONSUMERS: dict[str, tuple[str, ...]] = {
    "payment": ("order.created", "inventory.failed", "inventory.released"),
    "inventory": ("payment.approved", "shipping.scheduled", "shipping.failed"),
    "shipping": ("inventory.reserved", "inventory.released"),
    "order": (
        "payment.approved",
        "payment.failed",
        "payment.reversed",
        "inventory.reserved",
        "inventory.failed",
        "inventory.released",
        "inventory.committed",
        "shipping.scheduled",
        "shipping.failed",
        "inventory.price_changed",  # belongs to no order: the order service's copy of the prices
    ),
}


def producer_of(event_type: str) -> str:
    return event_type.split(".", 1)[0]


def exchange_name(producer: str) -> str:
    return f"{producer}.exchange"


def retry_exchange_name(consumer: str) -> str:
    """`payment.retry`: a direct exchange of the consumer's own, routing by queue name to its `.retry`
    and `.dlq` queues (so no service needs to write to the default exchange)."""
    return f"{consumer}.retry"


def queue_name(consumer: str, event_type: str) -> str:
    """`payment.order-created`: the consumer, then the producer and event joined by a dash (and the
    event's own underscores as dashes: `order.inventory-price-changed`)."""
    producer, event = event_type.split(".", 1)
    return f"{consumer}.{producer}-{event.replace('_', '-')}"


def retry_queue_name(queue: str) -> str:
    return f"{queue}.retry"


def dlq_name(queue: str) -> str:
    return f"{queue}.dlq"
