"""The broker's users: one per service and one operator, their names and what each may do.

RabbitMQ users are global (not per vhost), so every name carries a prefix (RABBITMQ_USER_PREFIX):
`saga-order`, ..., `saga-operator`; a test stack uses its own. A service's permissions allow only what
it does: write to its own exchange and its own retry exchange, read its own queues, configure nothing.
The operator (the definitions import, the DLQ tool) may do anything and impersonate a service, so a
replayed dead letter keeps its producer's `user_id`.
"""

import re
from dataclasses import dataclass

from events import SERVICES, exchange_name, retry_exchange_name
from runtime.settings import DEFAULT_BROKER_USER_PREFIX

DEFAULT_USER_PREFIX = DEFAULT_BROKER_USER_PREFIX  # RABBITMQ_USER_PREFIX's default
OPERATOR = "operator"  # the operator's role, next to the services' names
ROLES = (*SERVICES, OPERATOR)
OPERATOR_TAGS = ("administrator", "impersonator")


@dataclass(frozen=True)
class Permissions:
    configure: str
    write: str
    read: str


def user_name(prefix: str, role: str) -> str:
    """`saga-payment`: the broker user of a service (or of the operator)."""
    return f"{prefix}{role}"


def publishers(prefix: str) -> dict[str, str]:
    """Each producer's user: the only one whose events a consumer accepts from that producer."""
    return {service: user_name(prefix, service) for service in SERVICES}


def permissions(role: str) -> Permissions:
    if role == OPERATOR:
        return Permissions(".*", ".*", ".*")
    own = "|".join(re.escape(name) for name in (exchange_name(role), retry_exchange_name(role)))
    return Permissions(configure="^$", write=f"^({own})$", read=f"^{re.escape(role)}\\.")


def tags(role: str) -> tuple[str, ...]:
    return OPERATOR_TAGS if role == OPERATOR else ()
