"""The transactional outbox: rows written with the state change, a relay that publishes them.

A row is marked sent only after the broker confirmed it. A crash between the confirm and the mark
re-publishes the row (a duplicate the consumers' inbox absorbs), never loses it. Rows are claimed with
FOR UPDATE SKIP LOCKED so several replicas can relay one outbox.
"""

import asyncio
import contextlib
import logging

import asyncpg

from events import Event, encode, exchange_name
from messaging.publisher import Publisher
from runtime import metrics
from runtime.faults import fault_point

log = logging.getLogger(__name__)
NOTIFY_CHANNEL = "outbox"


def outbox_insert(first: int, when: str = "true") -> tuple[str, str]:
    """SQL that inserts events into the outbox, for use inside a larger statement: (a data-modifying CTE
    body taking its arrays as parameters $first..$first+4 and inserting only `when` holds, the
    notification that wakes other replicas' relays at commit). Bind `outbox_params(events)` to them."""
    e, o, x, r, b = (f"${n}" for n in range(first, first + 5))
    return (
        "INSERT INTO outbox (event_id, order_id, exchange, routing_key, body)"
        f" SELECT e, o, x, r, b FROM unnest({e}::uuid[], {o}::uuid[], {x}::text[], {r}::text[], {b}::bytea[])"
        f" WITH ORDINALITY AS d(e, o, x, r, b, n) WHERE {when} ORDER BY n",
        f"pg_notify('{NOTIFY_CHANNEL}', '')",
    )


def outbox_params(events: list[Event]) -> list[list]:
    return [
        [e.event_id for e in events], [e.order_id for e in events],
        [exchange_name(e.producer) for e in events], [e.event_type for e in events],
        [encode(e) for e in events],
    ]


async def write_outbox(conn: asyncpg.Connection, events: list[Event]) -> None:
    """One statement (one round trip): the rows, in order, and the notification."""
    insert, notify = outbox_insert(1)
    await conn.execute(f"WITH new AS ({insert}) SELECT {notify}", *outbox_params(events))


class OutboxRelay:
    def __init__(
        self, pool: asyncpg.Pool, dsn: str, publisher: Publisher, service: str,
        batch_size: int = 200, poll_interval_s: float = 1.0, retention_s: float = 3600,
    ) -> None:
        self._pool = pool
        self._dsn = dsn
        self._publisher = publisher
        self._service = service
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._retention_s = retention_s
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def publish_batch(self) -> int:
        """Claim, publish and mark one batch; returns how many rows were sent."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT id, event_id, order_id, exchange, routing_key, body FROM outbox"
                " WHERE sent_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                self._batch_size,
            )
            if not rows:
                return 0
            results = await asyncio.gather(*(
                self._publisher.publish(
                    r["exchange"], r["routing_key"], r["body"],
                    message_id=str(r["event_id"]), correlation_id=str(r["order_id"]),
                ) for r in rows
            ), return_exceptions=True)
            sent = [r["id"] for r, result in zip(rows, results, strict=True) if result is None]
            await fault_point(f"{self._service}.after_publish_before_mark_sent")
            await conn.execute("UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])", sent)
        metrics.OUTBOX_RELAYED.inc(len(sent))
        failed = [result for result in results if result is not None]
        if failed:  # one bad row must not hold back the others: they are sent, it waits for a retry
            raise failed[0]
        return len(rows)

    async def flush(self) -> None:
        while await self.publish_batch() == self._batch_size:
            pass

    async def prune(self) -> None:
        async with self._pool.acquire() as conn:
            await conn.execute(
                "DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => $1)", self._retention_s
            )

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen())
        backoff = 0.1
        rounds = 0
        try:
            while True:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
                self._wake.clear()
                try:
                    await self.flush()
                    rounds += 1
                    if rounds % 600 == 0:
                        await self.prune()
                    backoff = 0.1
                except Exception as exc:  # broker or database away: the rows wait, nothing is lost
                    metrics.OUTBOX_ERRORS.inc()
                    log.warning("outbox relay failed, will retry", extra={"error": repr(exc)})
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
                    self._wake.set()
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    async def _listen(self) -> None:
        """LISTEN on a dedicated connection for commits by any replica; reconnects if it drops."""
        on_notify = lambda *_: self.wake()  # noqa: E731
        while True:
            try:
                conn = await asyncpg.connect(self._dsn, timeout=5)
                try:
                    await conn.add_listener(NOTIFY_CHANNEL, on_notify)
                    self.wake()  # catch up on what was committed while we were not listening
                    while not conn.is_closed():  # noqa: ASYNC110 - asyncpg gives no closed event
                        await asyncio.sleep(self._poll_interval_s)
                finally:
                    await conn.close(timeout=2)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox listener lost, reconnecting", extra={"error": repr(exc)})
                await asyncio.sleep(1)
