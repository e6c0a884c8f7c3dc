"""Inventory's own Prometheus metrics."""

from prometheus_client import Counter, Gauge, Histogram

AVAILABILITY_READS = Counter(
    "inventory_availability_reads_total",
    "Products read through the availability API, by source",
    ["source"],  # cache | database
)
CACHE_WRITES = Counter(
    "inventory_cache_writes_total",
    "Availability cache writes after a committed change, by outcome",
    ["outcome"],  # written | stale | failed | skipped
)
CACHE_DRIFT = Gauge(
    "inventory_cache_drift_products", "Products whose Redis entry differed at the last reconciliation"
)
REDIS_CIRCUIT = Gauge("inventory_redis_circuit_open", "1 while the Redis circuit breaker is open or probing")
RESERVATIONS_EXPIRED = Counter("inventory_reservations_expired_total", "Reservations expired by the sweeper")
SWEEPS = Counter("inventory_sweeps_total", "Sweeper rounds, by how due reservations were found", ["via"])
HOLDS = Counter(
    "inventory_holds_total",
    "Hold operations, by operation and outcome",
    ["operation", "outcome"],  # create | release | commit | claim | expire; held, sold_out, not_active, ...
)
HOLD_HTTP_SECONDS = Histogram(
    "inventory_hold_http_seconds",
    "Time of each holds API operation, transaction included",
    ["operation"],  # create | read | release | commit
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
