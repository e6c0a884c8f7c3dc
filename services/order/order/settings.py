"""Order settings (environment variables, read once at start-up)."""

from runtime.settings import ServiceSettings, local_database_url


class OrderSettings(ServiceSettings):
    database_url: str = local_database_url("order")
    http_port: int = 3001
    metrics_port: int = 9101
