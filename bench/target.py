"""Where the system under test lives: its HTTP APIs, and what the checker reads (databases, broker,
Redis). The bounds use the same servers, in a private vhost and a scratch database."""

import os
from dataclasses import dataclass

from checker import Targets
from stack.infra import Infra


@dataclass(frozen=True)
class Target:
    order_url: str
    inventory_url: str
    checks: Targets  # the four databases, the services' vhost, Redis
    infra: Infra  # the servers themselves

    @property
    def database_urls(self) -> dict[str, str]:
        return self.checks.database_urls

    @classmethod
    def local(cls) -> "Target":
        """The system `make up` runs (ports 3001/3002, databases orders/payments/..., vhost "/")."""
        return cls(
            os.environ.get("ORDER_URL", "http://127.0.0.1:3001"),
            os.environ.get("INVENTORY_URL", "http://127.0.0.1:3002"),
            Targets.local(),
            Infra.from_env(),
        )

    @classmethod
    def of_stack(cls, stack) -> "Target":  # noqa: ANN001 - stack.supervisor.Stack
        """An isolated test stack (the smoke test, `--isolated`)."""
        return cls(stack.url("order"), stack.url("inventory"), stack.targets, stack.infra)
