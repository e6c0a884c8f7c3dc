"""Consume events: batches of deliveries, each batch one transaction with its inbox rows, ack after
commit, retry, DLQ.

- deliveries wait in a local queue; each of `workers` tasks takes all that are there (up to
  `batch_size`) and applies them in one transaction: one BEGIN/COMMIT, one inbox insert and one outbox
  insert for the lot, so a busy service pays per batch what it paid per message (batch.py says how
  batches avoid deadlocking each other);
- the event ids go into `idempotency_keys` in that transaction, claimed in the BEGIN's own round trip
  (inbox.py): a redelivery is acked with no second effect;
- if a batch fails it is rolled back: a failure blamed on one event (batch.EventFailed) costs that
  event one attempt and the rest is applied again without it; any other failure (a timeout, the
  database) is retried one message per transaction; so one bad message never holds back the others
  and is tried once per delivery, not once per batch it was in;
- a failing message is retried with backoff through `<queue>.retry`, its attempts counted in our own
  `x-attempt` header; after MAX_DELIVERY_ATTEMPTS, or at once for a PermanentError or a message that
  does not parse, it goes to `<queue>.dlq` with the error attached;
- every republish (retry, DLQ) is confirmed before the original is acked, so nothing is lost; its
  headers are made encodable first (republish.py, headers.py), a copy that still cannot be encoded is dead-lettered
  bare as permanent, and a republish the broker does not confirm gives the message back only after
  `requeue_delay_s`: no failure on this path can redeliver a message in a tight loop;
- an event whose AMQP `user_id` is not its producer's broker user (nor the consumer's own, back from its
  retry queue) goes to the DLQ at once as `forged` (trust.py);
- a committed batch is acked with one multiple-ack once every delivery before it on the channel is
  settled (acks.py), never before its commit.
"""

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from uuid import UUID

import asyncpg
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, AbstractRobustConnection

from events import LATEST_VERSION, Event, InvalidEvent, decode
from messaging import inbox
from messaging.acks import AckWindow
from messaging.batch import BatchHandler, EventFailed, Handler, one_by_one
from messaging.errors import PermanentError
from messaging.outbox import OnCommit
from messaging.publisher import Publisher, connection_user
from messaging.republish import ATTEMPT_HEADER, UNAVAILABLE_HEADER, Republisher
from messaging.topology import Binding, bindings_of
from messaging.trust import FORGED, Senders
from messaging.unit_of_work import UnitOfWork
from runtime import metrics
from runtime.db import DB_UNAVAILABLE
from runtime.faults import fault_point
from runtime.logs import log_context

log = logging.getLogger(__name__)
# the database being away is not the message's fault: such a failure is retried without using up an
# attempt, waiting longer each time up to a cap, for at least half an hour before the message is given up
MAX_UNAVAILABLE_RETRIES = 400
# a message whose retry or DLQ copy the broker did not take goes back to its queue this long after, not
# at once: an immediate requeue is redelivered at once, thousands of times a second, each time a handler
# transaction; waiting bounds that to one delivery per delay (and lets a passing trouble pass)
REQUEUE_DELAY_S = 1.0


def _attempt(message: AbstractIncomingMessage) -> int:
    """Our attempt header; a missing or broken one (a foreign publisher, a manual replay) counts as 1."""
    value = (message.headers or {}).get(ATTEMPT_HEADER, 1)
    try:
        return max(1, int(value)) if isinstance(value, int | str) else 1
    except ValueError:
        return 1


def _unavailable(message: AbstractIncomingMessage) -> int:
    value = (message.headers or {}).get(UNAVAILABLE_HEADER, 0)
    return value if isinstance(value, int) else 0


@dataclass(frozen=True, slots=True, eq=False)  # compared by identity
class Delivery:
    binding: Binding
    message: AbstractIncomingMessage
    event: Event


def _first_of_each(batch: list[Delivery]) -> list[Delivery]:
    """One delivery per event id (a duplicate in the same batch is acked with the first)."""
    seen: dict[UUID, Delivery] = {}
    for d in batch:
        seen.setdefault(d.event.event_id, d)
    return list(seen.values())


class Consumer:
    def __init__(
        self,
        connection: AbstractRobustConnection,
        pool: asyncpg.Pool,
        publisher: Publisher,
        service: str,
        handle: BatchHandler | Mapping[str, Handler],
        *,
        publishers: Mapping[str, str],
        prefetch: int,
        max_attempts: int,
        retry_base_delay_ms: int,
        handler_timeout_s: float,
        on_commit: OnCommit | None = None,
        workers: int = 2,
        batch_size: int = 50,
        requeue_delay_s: float = REQUEUE_DELAY_S,
        schema_version: int = LATEST_VERSION,
    ) -> None:
        """`handle` applies a batch of events (what the services give), or is one handler per event type,
        which must be exactly the service's subscriptions, applied one by one. The events it reads may be
        of any schema version; those it emits are written in `schema_version` (EVENT_SCHEMA_VERSION).
        `publishers` names each producer's broker user: an event from anyone else is dead-lettered."""
        self._connection, self._pool, self._publisher = connection, pool, publisher
        self._service = service
        if isinstance(handle, Mapping):
            self._per_type: Mapping[str, Handler] | None = handle
            self._apply_events = one_by_one(handle)
        else:
            self._per_type, self._apply_events = None, handle
        self._prefetch, self._max_attempts = prefetch, max_attempts
        self._retry_base_delay_ms, self._handler_timeout_s = retry_base_delay_ms, handler_timeout_s
        self._on_commit = on_commit
        self._requeue_delay_s = requeue_delay_s
        self._schema_version = schema_version
        self._senders = Senders(publishers, connection_user(connection))
        self._consumers: list[tuple[AbstractQueue, str]] = []
        # each worker holds at most one pooled connection, so deliveries never starve the HTTP requests
        # and the outbox relay that share the pool
        self._workers, self._batch_size = max(1, workers), max(1, batch_size)
        self._tasks: list[asyncio.Task] = []
        self._pending: deque[Delivery] = deque()
        self._acks = AckWindow()
        self._out = Republisher(publisher, self._acks, service, retry_base_delay_ms)
        self._arrived = asyncio.Event()
        self._inflight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:
        bindings = bindings_of(self._service)
        missing = (
            {b.event_type for b in bindings} ^ set(self._per_type) if self._per_type is not None else set()
        )
        if missing:
            raise RuntimeError(f"{self._service}: handlers and subscriptions differ on {sorted(missing)}")
        self._tasks = [asyncio.create_task(self._work(), name=f"consumer-{i}") for i in range(self._workers)]
        self._channel = await self._connection.channel()
        await self._channel.set_qos(prefetch_count=self._prefetch)
        for b in bindings:
            queue = await self._channel.get_queue(b.queue, ensure=True)  # declared by the operator
            tag = await queue.consume(partial(self._on_message, b))
            self._consumers.append((queue, tag))

    async def stop(self, timeout_s: float) -> None:
        """Stop taking messages, then let the in-flight handlers finish."""
        for queue, tag in self._consumers:
            with contextlib.suppress(Exception):
                await queue.cancel(tag)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self._channel.close()

    def _track(self, n: int) -> None:
        self._inflight += n
        if self._inflight == 0:
            self._idle.set()
        else:
            self._idle.clear()

    async def _on_message(self, b: Binding, message: AbstractIncomingMessage) -> None:
        self._acks.opened(message)
        if not self._senders.accepts(b, message):
            log.error("dead-lettering a forged event", extra={"queue": b.queue, "user_id": message.user_id})
            await self._reject(b, message, self._senders.refusal(b, message), FORGED)
            return
        try:
            event = decode(message.body, b.event_type)
        except InvalidEvent as exc:
            await self._reject(b, message, f"invalid event: {exc}", "invalid")
            return
        self._track(1)
        self._pending.append(Delivery(b, message, event))
        self._arrived.set()

    async def _reject(self, b: Binding, message: AbstractIncomingMessage, error: str, reason: str) -> None:
        """To the DLQ at once, never retried: a message that can never be applied."""
        self._track(1)
        try:
            await self._out.dead_letter(b, message, error, _attempt(message), reason)
        except Exception:  # the broker did not take the copy: the message goes back, later
            log.exception("message not dead-lettered; it goes back to its queue", extra={"queue": b.queue})
            await self._acks.abandon([message], self._requeue_delay_s)
        finally:
            self._track(-1)

    async def _work(self) -> None:
        while True:
            while not self._pending:
                self._arrived.clear()
                await self._arrived.wait()
            batch = [self._pending.popleft() for _ in range(min(self._batch_size, len(self._pending)))]
            try:
                await self._run(batch)
            except Exception:  # the channel died under us: the broker redelivers, the inbox dedups
                log.exception(
                    "messages left unacked; the broker will redeliver them", extra={"size": len(batch)}
                )
                await self._acks.abandon([d.message for d in batch], self._requeue_delay_s)
            finally:
                self._track(-len(batch))

    async def _run(self, batch: list[Delivery]) -> None:
        """Apply a batch in one transaction and ack it; if it fails, recover (below)."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._handler_timeout_s):
                fresh = await self._apply(batch)
        except Exception as exc:
            await self._recover(batch, exc)
            return
        finally:
            elapsed = time.perf_counter() - started
            for queue in {d.binding.queue for d in batch}:
                metrics.HANDLER_SECONDS.labels(queue).observe(elapsed)
        metrics.BATCH_SIZE.observe(len(batch))
        await fault_point(f"{self._service}.after_commit_before_ack")
        await self._acks.commit([d.message for d in batch])
        for d in batch:
            outcome = "applied" if d in fresh else "duplicate"
            metrics.EVENTS_CONSUMED.labels(d.binding.queue, outcome).inc()

    async def _recover(self, batch: list[Delivery], exc: Exception) -> None:
        """A batch was rolled back. A failure blamed on one event costs that event an attempt and the rest
        is applied again without it; any other failure (a timeout, the database) is retried one by one."""
        blamed = exc.event.event_id if isinstance(exc, EventFailed) else None
        error = exc.error if isinstance(exc, EventFailed) else exc
        if len(batch) == 1 or blamed is not None:
            failed = [d for d in batch if d.event.event_id == blamed] if len(batch) > 1 else batch
            rest = [d for d in batch if d not in failed]
            for d in failed:
                try:
                    await self._failed(d, error)
                except Exception:  # it goes back to its queue, later; the rest still goes on
                    log.exception(
                        "retry not published; the message goes back to its queue",
                        extra={"queue": d.binding.queue},
                    )
                    await self._acks.abandon([d.message], self._requeue_delay_s)
            if rest:
                await self._run(rest)
            return
        log.warning(
            "batch failed, applying its messages one at a time",
            extra={"size": len(batch), "error": f"{type(exc).__name__}: {exc}"},
        )
        for d in batch:
            try:
                await self._run([d])
            except Exception:
                log.exception(
                    "message left unacked; the broker will redeliver it", extra={"queue": d.binding.queue}
                )
                await self._acks.abandon([d.message], self._requeue_delay_s)

    async def _apply(self, batch: list[Delivery]) -> set[Delivery]:
        """The inbox rows and every fresh event's effects, one transaction; returns the fresh deliveries."""
        unique = _first_of_each(batch)
        keys = [
            inbox.Key(d.event.event_id, d.binding.queue, d.event.event_type, d.event.order_id) for d in unique
        ]
        async with UnitOfWork(
            self._pool, self._on_commit, begin_with=inbox.claim(keys), schema_version=self._schema_version
        ) as uow:
            claimed = await inbox.claimed(uow, keys)
            fresh = [d for d in unique if d.event.event_id in claimed]
            for d in fresh:
                try:
                    await fault_point(f"{self._service}.handler", d.event.order_id)
                except Exception as exc:
                    raise EventFailed(d.event, exc) from exc
            if fresh:
                one = batch[0].event if len(batch) == 1 else None  # a batch's handlers log per event
                with log_context(one.order_id, one.event_id) if one else contextlib.nullcontext():
                    await self._apply_events([d.event for d in fresh], uow)
            await fault_point(f"{self._service}.before_commit")
            await uow.commit()
        return set(fresh)

    async def _failed(self, d: Delivery, exc: Exception) -> None:
        """A message that failed on its own: retry it later, or give it to the DLQ."""
        b, message = d.binding, d.message
        attempt = _attempt(message)
        error = f"{type(exc).__name__}: {exc}"
        waits = _unavailable(message)
        with log_context(d.event.order_id, d.event.event_id):
            if isinstance(exc, DB_UNAVAILABLE) and waits < MAX_UNAVAILABLE_RETRIES:
                log.warning("database unavailable, retrying later", extra={"queue": b.queue, "error": error})
                await self._out.retry(b, message, attempt, unavailable=waits + 1, error=error)
            elif isinstance(exc, PermanentError) or attempt >= self._max_attempts:
                reason = "permanent" if isinstance(exc, PermanentError) else "attempts_exhausted"
                log.error("dead-lettering event", extra={"queue": b.queue, "error": error})
                await self._out.dead_letter(b, message, error, attempt, reason)
            else:
                log.warning("handler failed, retrying", extra={"queue": b.queue, "error": error})
                await self._out.retry(b, message, attempt, error=error)
