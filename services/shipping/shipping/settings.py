"""Shipping settings (environment variables, read once at start-up)."""

from pydantic import Field

from runtime.settings import ServiceSettings, local_database_url


class ShippingSettings(ServiceSettings):
    database_url: str = local_database_url("shipping")
    http_port: int = 3004
    metrics_port: int = 9104
    shipping_max_units: int = Field(
        50, description="the simulated carrier refuses an order of more units than this in all"
    )
