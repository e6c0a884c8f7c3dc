"""Consume events: one transaction per message with an inbox row, ack after commit, retry, DLQ.

- the event id goes into `idempotency_keys` in the handler's transaction: a redelivery is acked with
  no second effect;
- a failing handler is retried with backoff through `<queue>.retry`, its attempts counted in our own
  `x-attempt` header; after MAX_DELIVERY_ATTEMPTS, or at once for a PermanentError or a message that
  does not parse, it goes to `<queue>.dlq` with the error attached;
- every republish (retry, DLQ) is confirmed before the original is acked, so nothing is lost.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial

import asyncpg
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from events import Event, InvalidEvent, decode
from messaging.errors import PermanentError
from messaging.publisher import Publisher
from messaging.topology import Binding, bindings_of, declare_queue
from runtime import metrics
from runtime.db import DB_UNAVAILABLE
from runtime.faults import fault_point
from runtime.logs import log_context
from runtime.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
ATTEMPT_HEADER = "x-attempt"
# the database being away is not the message's fault: such a failure is retried without using up an
# attempt, waiting longer each time up to a cap, for at least half an hour before the message is given up
UNAVAILABLE_HEADER = "x-unavailable"
MAX_UNAVAILABLE_DELAY_MS = 5_000
MAX_UNAVAILABLE_RETRIES = 400
Handler = Callable[[Event, UnitOfWork], Awaitable[None]]


def _attempt(message: AbstractIncomingMessage) -> int:
    """Our attempt header; a missing or broken one (a foreign publisher, a manual replay) counts as 1."""
    try:
        return max(1, int((message.headers or {}).get(ATTEMPT_HEADER, 1)))
    except (TypeError, ValueError):
        return 1


def _unavailable(message: AbstractIncomingMessage) -> int:
    value = (message.headers or {}).get(UNAVAILABLE_HEADER, 0)
    return value if isinstance(value, int) else 0


class Consumer:
    def __init__(
        self, connection: AbstractRobustConnection, pool: asyncpg.Pool, publisher: Publisher,
        service: str, handlers: dict[str, Handler], *, prefetch: int, max_attempts: int,
        retry_base_delay_ms: int, handler_timeout_s: float, queue_type: str,
        on_commit: Callable[[], None] | None = None, concurrency: int = 8,
    ) -> None:
        self._connection, self._pool, self._publisher = connection, pool, publisher
        self._service, self._handlers = service, handlers
        self._prefetch, self._max_attempts = prefetch, max_attempts
        self._retry_base_delay_ms, self._handler_timeout_s = retry_base_delay_ms, handler_timeout_s
        self._queue_type, self._on_commit = queue_type, on_commit
        self._consumers: list[tuple[object, str]] = []
        # at most this many handlers hold a pooled connection at once, so deliveries never starve the
        # HTTP requests and the outbox relay that share the pool (prefetch is per queue, not per service)
        self._slots = asyncio.Semaphore(concurrency)
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:
        bindings = bindings_of(self._service)
        missing = {b.event_type for b in bindings} ^ set(self._handlers)
        if missing:
            raise RuntimeError(f"{self._service}: handlers and subscriptions differ on {sorted(missing)}")
        self._channel = await self._connection.channel()
        await self._channel.set_qos(prefetch_count=self._prefetch)
        for b in bindings:
            queue = await declare_queue(self._channel, b, self._queue_type)
            tag = await queue.consume(partial(self._on_message, b, self._handlers[b.event_type]))
            self._consumers.append((queue, tag))

    async def stop(self, timeout_s: float) -> None:
        """Stop taking messages, then let the in-flight handlers finish."""
        for queue, tag in self._consumers:
            with contextlib.suppress(Exception):
                await queue.cancel(tag)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        with contextlib.suppress(Exception):
            await self._channel.close()

    async def _on_message(self, b: Binding, handler: Handler, message: AbstractIncomingMessage) -> None:
        self._inflight += 1
        self._idle.clear()
        try:
            await self._process(b, handler, message)
        except Exception:  # the channel died under us: the broker redelivers, the inbox dedups
            log.exception("message left unacked; the broker will redeliver it", extra={"queue": b.queue})
        finally:
            self._inflight -= 1
            if self._inflight == 0:
                self._idle.set()

    async def _process(self, b: Binding, handler: Handler, message: AbstractIncomingMessage) -> None:
        attempt = _attempt(message)
        try:
            event = decode(message.body, b.event_type)
        except InvalidEvent as exc:
            await self._dead_letter(b, message, f"invalid event: {exc}", attempt, "invalid")
            return
        with log_context(event.order_id, event.event_id):
            started = time.perf_counter()
            try:
                async with self._slots, asyncio.timeout(self._handler_timeout_s):
                    fresh = await self._apply(handler, b, event)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                waits = _unavailable(message)
                if isinstance(exc, DB_UNAVAILABLE) and waits < MAX_UNAVAILABLE_RETRIES:
                    log.warning("database unavailable, retrying later", extra={"queue": b.queue, "error": error})
                    await self._retry(b, message, attempt, unavailable=waits + 1)
                elif isinstance(exc, PermanentError) or attempt >= self._max_attempts:
                    reason = "permanent" if isinstance(exc, PermanentError) else "attempts_exhausted"
                    log.error("dead-lettering event", extra={"queue": b.queue, "error": error})
                    await self._dead_letter(b, message, error, attempt, reason)
                else:
                    log.warning("handler failed, retrying", extra={"queue": b.queue, "error": error})
                    await self._retry(b, message, attempt)
                return
            finally:
                metrics.HANDLER_SECONDS.labels(b.queue).observe(time.perf_counter() - started)
            await fault_point(f"{self._service}.after_commit_before_ack")
            await message.ack()
            metrics.EVENTS_CONSUMED.labels(b.queue, "applied" if fresh else "duplicate").inc()

    async def _apply(self, handler: Handler, b: Binding, event: Event) -> bool:
        async with UnitOfWork(self._pool, self._on_commit) as uow:
            fresh = await uow.conn.fetchval(
                "INSERT INTO idempotency_keys (event_id, queue, event_type, order_id)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true",
                event.event_id, b.queue, event.event_type, event.order_id,
            )
            if fresh:
                await fault_point(f"{self._service}.handler", event.order_id)
                await handler(event, uow)
            await fault_point(f"{self._service}.before_commit")
            await uow.commit()
            return bool(fresh)

    async def _retry(
        self, b: Binding, message: AbstractIncomingMessage, attempt: int, unavailable: int | None = None
    ) -> None:
        if unavailable is None:
            delay_ms = self._retry_base_delay_ms * 4 ** (attempt - 1)
            headers = {**(message.headers or {}), ATTEMPT_HEADER: attempt + 1}
        else:  # the same attempt again, later
            delay_ms = min(self._retry_base_delay_ms * 2 ** min(unavailable - 1, 16), MAX_UNAVAILABLE_DELAY_MS)
            headers = {**(message.headers or {}), UNAVAILABLE_HEADER: unavailable}
        await self._republish(b.retry_queue, message, headers, delay_ms)
        metrics.EVENTS_RETRIED.labels(b.queue).inc()
        metrics.EVENTS_CONSUMED.labels(b.queue, "retried").inc()

    async def _dead_letter(
        self, b: Binding, message: AbstractIncomingMessage, error: str, attempt: int, reason: str
    ) -> None:
        headers = {
            **(message.headers or {}),
            "x-error": error[:4000],
            "x-error-reason": reason,
            "x-attempts": attempt,
            "x-service": self._service,
            "x-queue": b.queue,
            "x-original-exchange": b.exchange,
            "x-original-routing-key": b.event_type,
            "x-dead-lettered-at": datetime.now(UTC).isoformat(),
        }
        await self._republish(b.dlq, message, headers, None)
        metrics.EVENTS_DEAD_LETTERED.labels(b.queue, reason).inc()
        metrics.EVENTS_CONSUMED.labels(b.queue, "dead_lettered").inc()

    async def _republish(
        self, queue: str, message: AbstractIncomingMessage, headers: dict, delay_ms: int | None
    ) -> None:
        """Confirmed publish of a copy first, ack of the original second: a crash duplicates, never loses."""
        try:
            await self._publisher.publish(
                "", queue, message.body, message_id=message.message_id or "", headers=headers,
                expiration_ms=delay_ms, correlation_id=message.correlation_id,
            )
        except Exception:
            with contextlib.suppress(Exception):
                await message.nack(requeue=True)
            raise
        await message.ack()
