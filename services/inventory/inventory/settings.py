"""Inventory settings (environment variables, read once at start-up)."""

from datetime import timedelta

from runtime.settings import Duration, ServiceSettings


class InventorySettings(ServiceSettings):
    database_url: str = "postgresql://postgres@127.0.0.1:5432/inventory"
    http_port: int = 3002
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_key_prefix: str = "inventory:"
    reservation_ttl: Duration = timedelta(minutes=10)
    reservation_sweep_interval: Duration = timedelta(seconds=1)
    sweep_batch_size: int = 100
