"""Who may publish what a consumer reads. RabbitMQ verifies a message's `user_id` against the user that
published it; a consumer accepts an event only from its producer's broker user, or from itself when the
event comes back from its own `.retry` queue (a retry is published by the consumer). Anything else is
dead-lettered as `forged`. The common case costs one dict lookup and one string comparison."""

from collections.abc import Mapping

from aio_pika.abc import AbstractIncomingMessage

from messaging.topology import Binding

FORGED = "forged"  # the dead-letter reason


class Senders:
    def __init__(self, publishers: Mapping[str, str], own_user: str | None) -> None:
        """`publishers`: each producer service's broker user; `own_user`: the consumer's own."""
        self._publishers, self._own = dict(publishers), own_user

    def expected(self, b: Binding) -> str | None:
        return self._publishers.get(b.producer)

    def accepts(self, b: Binding, message: AbstractIncomingMessage) -> bool:
        user = message.user_id
        if user is not None and user == self._publishers.get(b.producer):
            return True
        return user is not None and user == self._own and _back_from_retry(b, message)

    def refusal(self, b: Binding, message: AbstractIncomingMessage) -> str:
        return (
            f"{b.event_type} published by user_id {message.user_id!r}; only {b.producer}'s broker user"
            f" {self.expected(b)!r} publishes it"
        )


def _back_from_retry(b: Binding, message: AbstractIncomingMessage) -> bool:
    """Whether the broker dead-lettered this message out of `b`'s own `.retry` queue (x-death says so)."""
    deaths = (message.headers or {}).get("x-death")
    if not isinstance(deaths, list):
        return False
    return any(isinstance(d, dict) and d.get("queue") == b.retry_queue for d in deaths)
