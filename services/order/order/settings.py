"""Order settings (environment variables, read once at start-up)."""

from pydantic import Field

from runtime.settings import ServiceSettings


class OrderSettings(ServiceSettings):
    database_url: str = "postgresql://postgres@127.0.0.1:5432/orders"
    http_port: int = 3001
    public_url: str = Field("http://localhost:3001", description="the address clients reach the order API at")
