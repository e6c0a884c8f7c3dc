"""A consumer accepts an event only from its producer's broker user, or from itself when the event comes
back from its own retry queue; anything else is refused (messaging.trust)."""

from dataclasses import dataclass, field
from typing import Any

import pytest

from messaging.topology import Binding
from messaging.trust import Senders
from messaging.users import publishers

B = Binding("payment", "order.created")  # payment.order-created, produced by order
SENDERS = Senders(publishers("saga-"), own_user="saga-payment")
FROM_RETRY = {"x-death": [{"queue": "payment.order-created.retry", "reason": "expired", "count": 1}]}


@dataclass
class Message:
    user_id: str | None
    headers: dict[str, Any] = field(default_factory=dict)


def test_the_producers_user_is_accepted() -> None:
    assert SENDERS.accepts(B, Message("saga-order"))  # type: ignore[arg-type]


@pytest.mark.parametrize("user", [None, "", "guest", "saga-inventory", "saga-operator", "saga-order "])
def test_anyone_else_is_refused(user: str | None) -> None:
    assert not SENDERS.accepts(B, Message(user, FROM_RETRY))  # type: ignore[arg-type]


def test_its_own_user_only_back_from_its_own_retry_queue() -> None:
    assert SENDERS.accepts(B, Message("saga-payment", FROM_RETRY))  # type: ignore[arg-type]
    assert not SENDERS.accepts(B, Message("saga-payment"))  # type: ignore[arg-type]
    other = {"x-death": [{"queue": "payment.inventory-failed.retry"}]}
    assert not SENDERS.accepts(B, Message("saga-payment", other))  # type: ignore[arg-type]


def test_the_refusal_names_who_published_and_who_may() -> None:
    refusal = SENDERS.refusal(B, Message("guest"))  # type: ignore[arg-type]
    assert "'guest'" in refusal and "'saga-order'" in refusal and "order.created" in refusal
