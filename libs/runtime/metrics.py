"""Prometheus metrics, defined once for all services."""

from prometheus_client import Counter, Gauge, Histogram

EVENTS_CONSUMED = Counter(
    "saga_events_consumed_total", "Messages taken from a queue, by outcome", ["queue", "outcome"]
)
EVENTS_PUBLISHED = Counter(
    "saga_events_published_total", "Publishes confirmed by the broker", ["exchange", "routing_key"]
)
EVENTS_RETRIED = Counter("saga_events_retried_total", "Messages sent to a delayed retry", ["queue"])
EVENTS_DEAD_LETTERED = Counter(
    "saga_events_dead_lettered_total", "Messages sent to a DLQ", ["queue", "reason"]
)
HANDLER_SECONDS = Histogram(
    "saga_handler_seconds",
    "Handler time, transaction included",
    ["queue"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
BATCH_SIZE = Histogram(
    "saga_consumer_batch_size",
    "Deliveries applied in one transaction",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
OUTBOX_RELAYED = Counter("saga_outbox_relayed_total", "Outbox rows published and marked sent")
OUTBOX_ERRORS = Counter("saga_outbox_errors_total", "Relay batches that failed and will be retried")
OUTBOX_FAILING = Gauge(
    "saga_outbox_failing_rows", "Outbox rows the broker refused, unsent, waiting for their next attempt"
)
OUTBOX_OLDEST_FAILING = Gauge(
    "saga_outbox_oldest_failing_age_seconds", "Age of the oldest refused outbox row still unsent (0: none)"
)
HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_SECONDS = Histogram(
    "http_request_seconds",
    "HTTP request time",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)
