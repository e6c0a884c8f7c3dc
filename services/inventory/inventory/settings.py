"""Inventory settings (environment variables, read once at start-up)."""

from datetime import timedelta

from runtime.settings import Duration, ServiceSettings, local_database_url


class InventorySettings(ServiceSettings):
    database_url: str = local_database_url("inventory")
    http_port: int = 3002
    # Redis: a cache and an index, never the source of truth; every call is short and never retried
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_key_prefix: str = "inventory:"
    redis_timeout: Duration = timedelta(milliseconds=100)
    redis_max_connections: int = 64
    redis_breaker_failures: int = 3           # consecutive failures that open the circuit
    redis_breaker_reset: Duration = timedelta(seconds=2)  # open this long, then one probe
    cache_reconcile_interval: Duration = timedelta(seconds=30)
    # reservations
    reservation_ttl: Duration = timedelta(minutes=10)
    reservation_sweep_interval: Duration = timedelta(seconds=1)
    reservation_scan_interval: Duration = timedelta(seconds=30)  # PostgreSQL safety-net scan
    sweep_batch_size: int = 100
