"""Where the system under test lives: its HTTP APIs, and what the checker reads (databases, broker,
Redis). The bounds use the same servers, in a private vhost and a scratch database."""

import os
from dataclasses import dataclass

from checker import Targets
from stack.infra import Infra
from stack.tokens import LOCAL_DIR, Signer


@dataclass(frozen=True)
class Target:
    order_url: str
    inventory_url: str
    checks: Targets  # the four databases, the services' vhost, Redis
    infra: Infra  # the servers themselves
    token: str  # an operator's bearer token (every scope): places orders for any customer, seeds stock

    @property
    def database_urls(self) -> dict[str, str]:
        return self.checks.database_urls

    @classmethod
    def local(cls) -> "Target":
        """The system `make up` runs (ports 3001/3002, databases orders/payments/..., vhost "/"), with a
        token signed by its development key (var/auth), or BENCH_TOKEN for a system of another issuer."""
        return cls(
            os.environ.get("ORDER_URL", "http://127.0.0.1:3001"),
            os.environ.get("INVENTORY_URL", "http://127.0.0.1:3002"),
            Targets.local(),
            Infra.from_env(),
            os.environ.get("BENCH_TOKEN") or Signer.at(LOCAL_DIR).admin(),
        )

    @classmethod
    def of_stack(cls, stack) -> "Target":  # noqa: ANN001 - stack.supervisor.Stack
        """An isolated test stack (the smoke test, `--isolated`)."""
        return cls(
            stack.url("order"), stack.url("inventory"), stack.targets, stack.infra, stack.tokens.admin()
        )
