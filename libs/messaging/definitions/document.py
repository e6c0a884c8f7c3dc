"""One RabbitMQ definitions document for a vhost: the topology, the users (password hashes, never the
passwords) and their permissions. Generated at deploy time; it holds hashes, so it is never committed."""

import base64
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from messaging.topology import layout
from messaging.users import ROLES, permissions, tags, user_name

HASHING = "rabbit_password_hashing_sha256"  # RabbitMQ's default: base64(salt + sha256(salt + password))


def password_hash(password: str) -> str:
    """A password as RabbitMQ stores it (`rabbit_password_hashing_sha256`), with a fresh 4-byte salt."""
    salt = secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions(
    vhost: str, prefix: str, passwords: Mapping[str, str], queue_type: str = "classic"
) -> dict[str, Any]:
    """The document for `vhost`: `passwords` maps each role (the services and `operator`) to its password."""
    absent = [role for role in ROLES if not passwords.get(role)]
    if absent:
        raise ValueError(f"no password for the broker user(s) of {', '.join(absent)}")
    plan = layout(queue_type)
    users = [
        {
            "name": user_name(prefix, role),
            "password_hash": password_hash(passwords[role]),
            "hashing_algorithm": HASHING,
            "tags": ",".join(tags(role)),
        }
        for role in ROLES
    ]
    grants = [{"user": user_name(prefix, role), "vhost": vhost, **vars(permissions(role))} for role in ROLES]
    exchanges = [
        {
            "name": e.name,
            "vhost": vhost,
            "type": e.type,
            "durable": True,
            "auto_delete": False,
            "internal": False,
            "arguments": {},
        }
        for e in plan.exchanges
    ]
    queues = [
        {"name": q.name, "vhost": vhost, "durable": True, "auto_delete": False, "arguments": q.arguments}
        for q in plan.queues
    ]
    bindings = [
        {
            "source": r.exchange,
            "vhost": vhost,
            "destination": r.queue,
            "destination_type": "queue",
            "routing_key": r.routing_key,
            "arguments": {},
        }
        for r in plan.routes
    ]
    return {
        "users": users,
        "vhosts": [{"name": vhost}],
        "permissions": grants,
        "policies": [],
        "exchanges": exchanges,
        "queues": queues,
        "bindings": bindings,
    }
