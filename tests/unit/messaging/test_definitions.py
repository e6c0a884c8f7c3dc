"""The definitions document: the whole topology (retry exchanges included), one user per service and
an operator with hashes RabbitMQ can check, and permissions that allow only what each service does."""

import base64
import hashlib
import re

import pytest

from events import CONSUMERS, SERVICES
from messaging.definitions import definitions, password_hash
from messaging.topology import BINDINGS
from messaging.users import OPERATOR, ROLES

PASSWORDS = {role: f"pw-{role}" for role in ROLES}
DOC = definitions("v1", "p-", PASSWORDS, "quorum")


def _matches(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None  # RabbitMQ's permissions are unanchored regexes


def test_a_hash_is_rabbitmqs_salted_sha256() -> None:
    raw = base64.b64decode(password_hash("secret"))
    salt, digest = raw[:4], raw[4:]
    assert digest == hashlib.sha256(salt + b"secret").digest()
    assert password_hash("secret") != password_hash("secret"), "each hash has its own salt"


def test_users_carry_hashes_never_passwords() -> None:
    users = {u["name"]: u for u in DOC["users"]}
    assert set(users) == {f"p-{role}" for role in ROLES}
    assert users["p-operator"]["tags"] == "administrator,impersonator"
    assert all(users[f"p-{s}"]["tags"] == "" for s in SERVICES)
    assert not any(pw in str(DOC) for pw in PASSWORDS.values())


def test_a_missing_password_is_refused() -> None:
    with pytest.raises(ValueError, match="payment"):
        definitions("v1", "p-", {**PASSWORDS, "payment": ""})


def test_every_queue_with_its_retry_and_dlq_and_their_arguments() -> None:
    queues = {q["name"]: q["arguments"] for q in DOC["queues"]}
    assert len(queues) == 3 * len(BINDINGS)
    for b in BINDINGS:
        assert queues[b.queue] == queues[b.dlq] == {"x-queue-type": "quorum"}
        assert queues[b.retry_queue] == {
            "x-queue-type": "quorum",
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": b.queue,
        }
    assert all(q["vhost"] == "v1" and q["durable"] for q in DOC["queues"])


def test_bindings_from_the_producers_exchange_and_the_consumers_retry_exchange() -> None:
    routes = {(x["source"], x["destination"], x["routing_key"]) for x in DOC["bindings"]}
    for b in BINDINGS:
        assert (f"{b.producer}.exchange", b.queue, b.event_type) in routes
        assert (f"{b.consumer}.retry", b.retry_queue, b.retry_queue) in routes
        assert (f"{b.consumer}.retry", b.dlq, b.dlq) in routes
    kinds = {e["name"]: e["type"] for e in DOC["exchanges"]}
    assert kinds == {f"{s}.exchange": "topic" for s in SERVICES} | {f"{s}.retry": "direct" for s in CONSUMERS}


def test_a_service_may_write_its_own_exchanges_read_its_own_queues_configure_nothing() -> None:
    grants = {p["user"]: p for p in DOC["permissions"]}
    exchanges = [e["name"] for e in DOC["exchanges"]] + ["", "amq.default"]
    queues = [q["name"] for q in DOC["queues"]]
    for service in SERVICES:
        p = grants[f"p-{service}"]
        assert p["configure"] == "^$" and not any(
            _matches(p["configure"], n) for n in queues + exchanges[:-2]
        )
        assert [e for e in exchanges if _matches(p["write"], e)] == [
            f"{service}.exchange",
            f"{service}.retry",
        ]
        assert not any(_matches(p["write"], q) for q in queues), "writes straight to a queue"
        assert [q for q in queues if _matches(p["read"], q)] == [
            q for q in queues if q.startswith(f"{service}.")
        ]
    assert grants[f"p-{OPERATOR}"] | {"user": None} == {
        "user": None,
        "vhost": "v1",
        "configure": ".*",
        "write": ".*",
        "read": ".*",
    }
