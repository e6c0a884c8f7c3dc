"""The transactional outbox: rows written with the state change, a relay that publishes them.

A row is marked sent only after the broker confirmed it. A crash between the confirm and the mark
re-publishes the row (a duplicate the consumers' inbox absorbs), never loses it.

Two ways out, one relay:
- handed over: the process that commits rows hands them to its own relay at once (`committed`), which
  publishes them from memory, with no query to find them, and marks them sent within MARK_DELAY_S,
  many commits' rows in one write;
- polled: rows that were not handed over or not published (the writer crashed, the broker was away)
  are claimed by any replica's relay once they are `claim_after_s` old, with FOR UPDATE SKIP LOCKED so
  several replicas share the work. The age keeps a poller off rows their writer is publishing now.

A row the broker refuses (unroutable, nacked) holds back nothing: the others of its batch are marked
sent all the same, and it waits for its next attempt, later each time (messaging.refused). Any other
failure (a timeout, the connection) is the broker's, not the row's: the relay backs off as a whole.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import NamedTuple
from uuid import UUID

import asyncpg

from events import LATEST_VERSION, Event, encode, exchange_name
from messaging import literals, refused
from messaging.errors import Refused
from messaging.publisher import Publisher
from runtime import metrics
from runtime.faults import fault_point

log = logging.getLogger(__name__)
# published rows are marked sent together, at most this long after their publish: one write per round
# of commits instead of one per commit (a mark lost in a crash is a duplicate the inbox absorbs)
MARK_DELAY_S = 0.05


class Row(NamedTuple):
    event_id: UUID
    order_id: UUID | None  # None: an event that belongs to no order
    exchange: str
    routing_key: str
    body: bytes


_COLUMNS = "outbox (event_id, order_id, exchange, routing_key, body, created_at)"
OnCommit = Callable[[list[Row]], None]  # what a unit of work calls with the rows it committed


class Outgoing:
    """Events about to be written to the outbox, encoded once in schema `version` (the producer's
    EVENT_SCHEMA_VERSION): as the parameters of `outbox_insert`, or as one statement of literals that can
    share a round trip with the COMMIT; then as the rows."""

    def __init__(self, events: list[Event], version: int = LATEST_VERSION) -> None:
        self.events = events
        self._bodies = [encode(e, version) for e in events]

    def params(self) -> list[list]:
        return [
            [e.event_id for e in self.events],
            [e.order_id for e in self.events],
            [exchange_name(e.producer) for e in self.events],
            [e.event_type for e in self.events],
            self._bodies,
        ]

    def insert_literal(self) -> str:
        """The insert with every value written out (uuids, our own exchange and event names escaped, the
        body as hex), so it can go in one simple query with the COMMIT: one round trip for both."""
        values = ", ".join(
            f"({literals.uuid(e.event_id)}, {literals.optional_uuid(e.order_id)}, {literals.text(exchange_name(e.producer))},"
            f" {literals.text(e.event_type)}, decode('{body.hex()}', 'hex'), clock_timestamp())"
            for e, body in zip(self.events, self._bodies, strict=True)
        )
        return f"INSERT INTO {_COLUMNS} VALUES {values}"

    def rows(self) -> list[Row]:
        return [
            Row(e.event_id, e.order_id, exchange_name(e.producer), e.event_type, body)
            for e, body in zip(self.events, self._bodies, strict=True)
        ]


def outbox_insert(first: int, when: str = "true") -> str:
    """SQL that inserts events into the outbox, for use as a data-modifying CTE inside a larger
    statement: its arrays are parameters $first..$first+4 (bind `Outgoing.params()`), and it inserts
    only if `when` holds."""
    e, o, x, r, b = (f"${n}" for n in range(first, first + 5))
    return (
        f"INSERT INTO {_COLUMNS} SELECT e, o, x, r, b, clock_timestamp()"
        f" FROM unnest({e}::uuid[], {o}::uuid[], {x}::text[], {r}::text[], {b}::bytea[])"
        f" WITH ORDINALITY AS d(e, o, x, r, b, n) WHERE {when} ORDER BY n"
    )


def _mark(event_ids: list[UUID]) -> str:
    """Mark rows sent. A mark lost in a crash only means the row is published again (a duplicate the
    inbox absorbs), so it does not wait for its WAL flush (transaction-local setting)."""
    ids = ", ".join(literals.uuid(e) for e in event_ids)
    return f"SET LOCAL synchronous_commit = off; UPDATE outbox SET sent_at = now() WHERE event_id IN ({ids})"


# the poller's claim, in two parts with an index each: refused rows whose next attempt is due, and rows
# never refused that are old enough (oldest first); a row waiting for its next attempt is in neither
_CLAIM = (
    "WITH due AS (SELECT event_id, order_id, exchange, routing_key, body FROM outbox"
    " WHERE sent_at IS NULL AND next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED),"
    " fresh AS (SELECT event_id, order_id, exchange, routing_key, body FROM outbox"
    " WHERE sent_at IS NULL AND next_attempt_at IS NULL AND created_at <= clock_timestamp() - make_interval(secs => $2)"
    " ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)"
    " SELECT * FROM due UNION ALL SELECT * FROM fresh"
)


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        publisher: Publisher,
        service: str,
        batch_size: int = 200,
        poll_interval_s: float = 1.0,
        retention_s: float = 3600,
        claim_after_s: float = 5.0,
        retry_base_s: float = 1.0,
        retry_max_s: float = 300.0,
    ) -> None:
        self._pool = pool
        self._publisher = publisher
        self._service = service
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._retention_s = retention_s
        self._claim_after_s = claim_after_s
        self._retry_base_s, self._retry_max_s = retry_base_s, retry_max_s
        self._failing = True  # refused rows may be waiting (left by an earlier run): watch the gauges
        self._handed: list[Row] = []
        self._unmarked: list[UUID] = []  # published from memory, not yet marked sent
        self._mark_due = 0.0
        self._wake = asyncio.Event()

    def committed(self, rows: list[Row]) -> None:
        """Rows this process just committed: published at once, from memory."""
        self._handed.extend(rows)
        self._wake.set()

    async def publish_handed(self) -> int:
        """Publish what was handed over (marked sent by `mark_sent`); what the broker refuses waits for its
        next attempt, what fails otherwise is left to the poller."""
        rows, self._handed = self._handed, []
        if not rows:
            return 0
        sent, failure = await self._publish(rows, None)
        if failure is not None:
            raise failure
        return sent

    async def mark_sent(self) -> None:
        """Mark what `publish_handed` published, in one write; kept for the next try if it fails."""
        ids, self._unmarked = self._unmarked, []
        if not ids:
            return
        try:
            await self._pool.execute(f"BEGIN; {_mark(ids)}; COMMIT")
        except BaseException:
            self._unmarked[:0] = ids
            raise

    async def publish_batch(self, claim_after_s: float | None = None) -> int:
        """Claim, publish and mark one batch of rows nobody published (at least `claim_after_s` old,
        default the relay's) and of refused rows due again; returns how many rows were claimed."""
        age = self._claim_after_s if claim_after_s is None else claim_after_s
        failure = None
        async with self._pool.acquire() as conn, conn.transaction():
            claimed = await conn.fetch(_CLAIM, self._batch_size, age)
            if claimed:
                _, failure = await self._publish([Row(*r) for r in claimed], conn)
        if failure is not None:  # raised after the commit, which keeps the marks of the rows that went
            raise failure
        return len(claimed)

    async def _publish(
        self, rows: list[Row], conn: asyncpg.Connection | None
    ) -> tuple[int, BaseException | None]:
        """Publish with confirms, then mark sent what the broker confirmed (on `conn`, or on its own) and
        postpone what it refused; returns how many were sent and the first other failure, if any."""
        results = await asyncio.gather(
            *(
                self._publisher.publish(
                    r.exchange,
                    r.routing_key,
                    r.body,
                    message_id=str(r.event_id),
                    correlation_id=None if r.order_id is None else str(r.order_id),
                )
                for r in rows
            ),
            return_exceptions=True,
        )
        sent = [r.event_id for r, result in zip(rows, results, strict=True) if result is None]
        await fault_point(f"{self._service}.after_publish_before_mark_sent")
        if sent and conn is not None:
            await conn.execute(_mark(sent))
        elif sent:
            if not self._unmarked:
                self._mark_due = time.monotonic() + MARK_DELAY_S
            self._unmarked.extend(sent)
        metrics.OUTBOX_RELAYED.inc(len(sent))
        refusals = [
            (r.event_id, result)
            for r, result in zip(rows, results, strict=True)
            if isinstance(result, Refused)
        ]
        if refusals:
            await refused.postpone(conn or self._pool, refusals, self._retry_base_s, self._retry_max_s)
            self._failing = True
        failed = [result for result in results if result is not None and not isinstance(result, Refused)]
        return len(sent), failed[0] if failed else None

    async def poll(self) -> None:
        """Claim batches until one is not full; then, while refused rows wait (or may), set their gauges."""
        while await self.publish_batch() >= self._batch_size:
            pass
        if self._failing:  # one query per poll while there are some, none otherwise
            self._failing = await refused.observe(self._pool) > 0

    async def flush(self) -> None:
        """Everything unsent, however young (at shutdown, and in tests)."""
        await self.publish_handed()
        await self.mark_sent()
        while await self.publish_batch(claim_after_s=0) >= self._batch_size:
            pass

    async def prune(self) -> None:
        async with self._pool.acquire() as conn:
            await conn.execute(
                "DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => $1)", self._retention_s
            )

    async def run(self) -> None:
        backoff = 0.1
        polled, rounds = 0.0, 0
        while True:
            wait = self._poll_interval_s
            if self._unmarked:
                wait = min(wait, max(0.0, self._mark_due - time.monotonic()))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            self._wake.clear()
            try:
                await self.publish_handed()
                if self._unmarked and time.monotonic() >= self._mark_due:
                    await self.mark_sent()
                if time.monotonic() - polled >= self._poll_interval_s:
                    await self.poll()
                    polled = time.monotonic()
                    rounds += 1
                    if rounds % 600 == 0:
                        await self.prune()
                backoff = 0.1
            except Exception as exc:  # broker or database away: the rows wait, nothing is lost
                metrics.OUTBOX_ERRORS.inc()
                log.warning("outbox relay failed, will retry", extra={"error": repr(exc)})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
