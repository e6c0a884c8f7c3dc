"""Where the system under test lives: its HTTP APIs, databases, broker and Redis."""

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from checker import Targets
from tests.support.infra import Infra

LOCAL_DATABASES = {"order": "orders", "payment": "payments", "inventory": "inventory", "shipping": "shipping"}


@dataclass(frozen=True)
class Target:
    order_url: str
    inventory_url: str
    database_urls: dict[str, str]   # service -> its database
    vhost: str                      # the services' RabbitMQ vhost
    infra: Infra                    # the servers (bounds use a private vhost and a scratch database there)
    redis_prefix: str = "inventory:"

    @classmethod
    def local(cls, infra: Infra | None = None) -> "Target":
        """The system `make up` runs: ports 3001/3002, databases orders/payments/..., vhost "/"."""
        infra = infra or Infra.from_env()
        return cls(
            "http://127.0.0.1:3001", "http://127.0.0.1:3002",
            {s: infra.database_url(db) for s, db in LOCAL_DATABASES.items()}, "/", infra,
        )

    @classmethod
    def of_stack(cls, stack) -> "Target":  # noqa: ANN001 - tests.support.supervisor.Stack
        """An isolated test stack (the smoke test)."""
        return cls(
            stack.url("order"), stack.url("inventory"),
            {s: stack.database_url(s) for s in LOCAL_DATABASES}, vhost_of(stack.amqp_url), stack.infra,
            stack.redis_prefix,
        )

    def checker_targets(self) -> Targets:
        return Targets(
            database_urls=self.database_urls, amqp_url=self.amqp_url, rabbitmq_api=self.infra.rabbitmq_api,
            vhost=self.vhost, redis_url=self.infra.redis_url, redis_prefix=self.redis_prefix,
        )

    @property
    def amqp_url(self) -> str:
        return self.infra.amqp_url.rstrip("/") + "/" + quote(self.vhost, safe="")


def vhost_of(amqp_url: str) -> str:
    path = urlsplit(amqp_url).path
    return unquote(path[1:]) if len(path) > 1 else "/"
