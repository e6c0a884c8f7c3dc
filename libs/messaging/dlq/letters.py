"""A dead-lettered message as an operator sees it: which queue, why, how often tried, which order, how old.

The consumer (messaging.consumer) writes the x-error, x-error-reason, x-attempts, x-service, x-queue,
x-original-exchange, x-original-routing-key and x-dead-lettered-at headers; this module only reads them.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from aio_pika.abc import AbstractIncomingMessage

from events import dlq_name, producer_of
from messaging.topology import BINDINGS

DLQ_SUFFIX = ".dlq"
# headers the consumer adds when it dead-letters; a replay drops them so the message starts afresh
DEAD_LETTER_HEADERS = (
    "x-error",
    "x-error-reason",
    "x-attempts",
    "x-service",
    "x-queue",
    "x-original-exchange",
    "x-original-routing-key",
    "x-dead-lettered-at",
    "x-attempt",
    "x-unavailable",
)


def known_dlqs() -> list[str]:
    return [b.dlq for b in BINDINGS]


def dlq_of(queue: str) -> str:
    """`payment.order-created` or `payment.order-created.dlq` -> the DLQ's name (must be a known one)."""
    name = queue if queue.endswith(DLQ_SUFFIX) else dlq_name(queue)
    if name not in known_dlqs():
        raise ValueError(f"unknown queue {queue!r}; known: {', '.join(b.queue for b in BINDINGS)}")
    return name


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return bytes(value).decode(errors="replace") if isinstance(value, bytes | bytearray) else str(value)


@dataclass(frozen=True)
class DeadLetter:
    dlq: str
    message_id: str | None
    order_id: str | None
    event_type: str | None
    error: str | None
    reason: str | None  # invalid | forged | permanent | attempts_exhausted
    attempts: int | None
    queue: str  # the queue whose consumer gave up on it
    dead_lettered_at: datetime | None
    headers: dict[str, Any]
    body: bytes
    user_id: str | None = None  # who published this copy: the consumer that dead-lettered it

    @property
    def producer(self) -> str:
        """The service whose event this is: the producer of the queue's binding."""
        return producer_of(self.queue.split(".", 1)[1].replace("-", ".", 1))

    @property
    def age_s(self) -> float | None:
        if self.dead_lettered_at is None:
            return None
        return (datetime.now(UTC) - self.dead_lettered_at).total_seconds()

    def summary(self) -> dict[str, Any]:
        return {
            "dlq": self.dlq,
            "message_id": self.message_id,
            "order_id": self.order_id,
            "event_type": self.event_type,
            "reason": self.reason,
            "attempts": self.attempts,
            "error": self.error,
            "queue": self.queue,
            "user_id": self.user_id,
            "age_s": _round(self.age_s),
            "dead_lettered_at": self.dead_lettered_at.isoformat() if self.dead_lettered_at else None,
            "bytes": len(self.body),
        }

    def detail(self) -> dict[str, Any]:
        try:
            body: Any = orjson.loads(self.body)
        except orjson.JSONDecodeError:
            body = self.body[:4096].decode(errors="replace")
        return {**self.summary(), "headers": {k: _text(v) for k, v in self.headers.items()}, "body": body}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _parse_time(value: Any) -> datetime | None:
    text = _text(value)
    try:
        return datetime.fromisoformat(text) if text is not None else None
    except ValueError:
        return None


def from_message(dlq: str, message: AbstractIncomingMessage) -> DeadLetter:
    headers = dict(message.headers or {})
    try:
        parsed = orjson.loads(message.body)
    except orjson.JSONDecodeError:
        parsed = None
    envelope = parsed if isinstance(parsed, dict) else {}
    order_id = (
        envelope.get("order_id") if isinstance(envelope.get("order_id"), str) else message.correlation_id
    )
    attempts = headers.get("x-attempts")
    return DeadLetter(
        dlq=dlq,
        message_id=message.message_id,
        order_id=order_id,
        event_type=_text(headers.get("x-original-routing-key")) or _text(envelope.get("event_type")),
        error=_text(headers.get("x-error")),
        reason=_text(headers.get("x-error-reason")),
        attempts=int(attempts) if isinstance(attempts, int) else None,
        queue=_text(headers.get("x-queue")) or dlq.removesuffix(DLQ_SUFFIX),
        dead_lettered_at=_parse_time(headers.get("x-dead-lettered-at")),
        headers=headers,
        body=message.body,
        user_id=message.user_id,
    )
