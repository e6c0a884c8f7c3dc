"""Inventory settings (environment variables, read once at start-up)."""

from datetime import timedelta

from pydantic import Field

from runtime.settings import Duration, ServiceSettings, local_database_url
from stockcache import DEFAULT_PREFIX


class InventorySettings(ServiceSettings):
    database_url: str = local_database_url("inventory")
    http_port: int = 3002
    metrics_port: int = 9102
    # Redis: a cache and an index, never the source of truth; every call is short and never retried
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0",
        description=(
            "inventory's Redis: the availability cache and the expiry index; a password as"
            " `redis://:<password>@<host>:6379/0`, TLS as `rediss://…?ssl_ca_certs=<CA file>`"
        ),
    )
    redis_key_prefix: str = Field(DEFAULT_PREFIX, description="prefix of every Redis key inventory writes")
    redis_timeout: Duration = Field(
        timedelta(milliseconds=100),
        description=(
            "deadline of one Redis round trip; a read pays at most twice this before falling back to PostgreSQL"
        ),
    )
    redis_max_connections: int = Field(64, description="Redis connection pool size")
    redis_breaker_failures: int = Field(3, description="consecutive Redis failures that open the circuit")
    redis_breaker_reset: Duration = Field(
        timedelta(seconds=2), description="how long the circuit stays open before one probe tries Redis again"
    )
    cache_reconcile_interval: Duration = Field(
        timedelta(seconds=30),
        description="how often the Redis cache is compared with PostgreSQL and repaired",
    )
    # reservations
    reservation_ttl: Duration = Field(
        timedelta(minutes=10), description="how long a reservation holds its stock"
    )
    reservation_sweep_interval: Duration = Field(
        timedelta(seconds=1),
        description="how often the sweeper looks for due reservations in the Redis index",
    )
    reservation_scan_interval: Duration = Field(
        timedelta(seconds=30),
        description=(
            "how often the sweeper scans PostgreSQL instead, in case Redis lost entries (the safety net)"
        ),
    )
    sweep_batch_size: int = Field(100, description="reservations expired per transaction")
    # holds (POST /holds): reservations no order owns until checkout claims one
    hold_max_ttl: Duration = Field(
        timedelta(hours=1),
        ge=timedelta(seconds=1),
        le=timedelta(days=1),  # the API's own bound on ttl_s (api/hold_schemas.MAX_TTL_S)
        description="the longest ttl_s a hold may ask for (1 s to 1 day); a hold without one lasts RESERVATION_TTL",
    )
