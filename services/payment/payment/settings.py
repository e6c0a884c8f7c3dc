"""Payment settings (environment variables, read once at start-up)."""

from decimal import Decimal

from pydantic import Field

from events import Money
from runtime.settings import ServiceSettings, local_database_url


class PaymentSettings(ServiceSettings):
    database_url: str = local_database_url("payment")
    http_port: int = 3003
    metrics_port: int = 9103
    payment_approval_limit: Money = Field(
        Decimal("10000.00"), description="the simulated gateway declines an order whose total is above this"
    )
