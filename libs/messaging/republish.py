"""Copies of a delivery to its `.retry` queue or its DLQ, confirmed before the original is acked.

Copies go through the consumer's own retry exchange (`<service>.retry`, direct, by queue name), the only
exchange besides its own topic exchange that its broker user may write to.

The headers are made encodable first (headers.py). A copy that still cannot be sent (the broker never
saw it) never will be: the message goes to the DLQ with our headers only, as permanent. A copy the
broker does not confirm raises, and the consumer gives the message back to its queue, later.
"""

import logging
from datetime import UTC, datetime

from aio_pika.abc import AbstractIncomingMessage

from messaging.acks import AckWindow
from messaging.errors import PublishError
from messaging.headers import republishable
from messaging.publisher import Publisher
from messaging.topology import Binding
from runtime import metrics

log = logging.getLogger(__name__)
ATTEMPT_HEADER = "x-attempt"
UNAVAILABLE_HEADER = "x-unavailable"  # retries while the database is away, which use up no attempt
MAX_UNAVAILABLE_DELAY_MS = 5_000


class Republisher:
    def __init__(self, publisher: Publisher, acks: AckWindow, service: str, base_delay_ms: int) -> None:
        self._publisher, self._acks, self._service, self._base_delay_ms = (
            publisher,
            acks,
            service,
            base_delay_ms,
        )

    async def retry(
        self,
        b: Binding,
        message: AbstractIncomingMessage,
        attempt: int,
        unavailable: int | None = None,
        error: str = "",
    ) -> None:
        if unavailable is None:
            delay_ms = self._base_delay_ms * 4 ** (attempt - 1)
            headers = {**(message.headers or {}), ATTEMPT_HEADER: attempt + 1}
        else:  # the same attempt again, later
            delay_ms = min(self._base_delay_ms * 2 ** min(unavailable - 1, 16), MAX_UNAVAILABLE_DELAY_MS)
            headers = {**(message.headers or {}), UNAVAILABLE_HEADER: unavailable}
        if await self._republish(b, message, b.retry_queue, headers, delay_ms, error, attempt):
            metrics.EVENTS_RETRIED.labels(b.queue).inc()
            metrics.EVENTS_CONSUMED.labels(b.queue, "retried").inc()

    async def dead_letter(
        self, b: Binding, message: AbstractIncomingMessage, error: str, attempt: int, reason: str
    ) -> None:
        headers = {**(message.headers or {}), **self._dead_letter_headers(b, error, attempt, reason)}
        if await self._republish(b, message, b.dlq, headers, None, error, attempt):
            metrics.EVENTS_DEAD_LETTERED.labels(b.queue, reason).inc()
            metrics.EVENTS_CONSUMED.labels(b.queue, "dead_lettered").inc()

    def _dead_letter_headers(self, b: Binding, error: str, attempt: int, reason: str) -> dict[str, object]:
        return {
            "x-error": error[:4000],
            "x-error-reason": reason,
            "x-attempts": attempt,
            "x-service": self._service,
            "x-queue": b.queue,
            "x-original-exchange": b.exchange,
            "x-original-routing-key": b.event_type,
            "x-dead-lettered-at": datetime.now(UTC).isoformat(),
        }

    async def _republish(
        self,
        b: Binding,
        message: AbstractIncomingMessage,
        queue: str,
        headers: dict,
        delay_ms: int | None,
        error: str,
        attempt: int,
    ) -> bool:
        """Confirmed publish of a copy first, ack of the original second: a crash duplicates, never loses.
        A copy that cannot be sent at all (the broker never saw it) never will be: the message goes to the
        DLQ with our headers only, as permanent, and this returns False. If the broker does not confirm,
        this raises and the message is given back `requeue_delay_s` later (by the caller)."""
        try:
            await self._copy(b, queue, message, republishable(headers), delay_ms)
            went = True
        except PublishError:
            raise
        except Exception as exc:
            error = f"cannot be republished ({type(exc).__name__}: {exc}); {error}"
            log.error(
                "dead-lettering a message that cannot be republished, without its headers",
                extra={"queue": b.queue, "error": error},
            )
            await self._copy(
                b, b.dlq, message, self._dead_letter_headers(b, error, attempt, "permanent"), None
            )
            metrics.EVENTS_DEAD_LETTERED.labels(b.queue, "permanent").inc()
            metrics.EVENTS_CONSUMED.labels(b.queue, "dead_lettered").inc()
            went = False
        await message.ack()
        await self._acks.settled(message)
        return went

    async def _copy(
        self, b: Binding, queue: str, message: AbstractIncomingMessage, headers: dict, delay_ms: int | None
    ) -> None:
        await self._publisher.publish(
            b.retry_exchange,
            queue,
            message.body,
            message_id=message.message_id or "",
            headers=headers,
            expiration_ms=delay_ms,
            correlation_id=message.correlation_id,
        )
