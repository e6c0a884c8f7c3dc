"""A test stack's own broker users (`saga-<run id>-order`, ..., `-operator`) and topology, made by the
same definitions generator as `make up` and imported into the stack's vhost; deleted at teardown
(RabbitMQ users are global, so each stack's names carry its run id)."""

import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from messaging.definitions import definitions, import_definitions
from messaging.definitions.load import delete_users
from messaging.users import ROLES, user_name
from stack.infra import Infra


@dataclass(frozen=True)
class BrokerUsers:
    prefix: str
    passwords: dict[str, str]  # role (a service, or `operator`) -> password

    def name(self, role: str) -> str:
        return user_name(self.prefix, role)

    def url(self, amqp_url: str, role: str) -> str:
        """`amqp_url` (a vhost's) logging in as `role`'s user."""
        parts = urlsplit(amqp_url)
        host = parts.hostname or "127.0.0.1"
        netloc = f"{quote(self.name(role), safe='')}:{quote(self.passwords[role], safe='')}@{host}"
        return urlunsplit(parts._replace(netloc=netloc + (f":{parts.port}" if parts.port else "")))


async def create_broker_users(infra: Infra, vhost: str, rid: str, queue_type: str = "classic") -> BrokerUsers:
    users = BrokerUsers(f"saga-{rid}-", {role: secrets.token_urlsafe(24) for role in ROLES})
    await import_definitions(
        infra.rabbitmq_api, definitions(vhost, users.prefix, users.passwords, queue_type)
    )
    return users


async def delete_broker_users(infra: Infra, users: BrokerUsers) -> None:
    await delete_users(infra.rabbitmq_api, [users.name(role) for role in ROLES])
