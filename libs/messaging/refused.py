"""Outbox rows the broker refused (unroutable, nacked: messaging.errors.Refused), tried again later.

Such a row is the only copy of its event, so it is never dropped: it waits for its next attempt, the
delay doubling from a base up to a cap, and keeps its attempts and last error for the operator (a log
line per refusal, the saga_outbox_failing_rows gauge and the age of the oldest, `saga-dlq outbox`).
Only refused rows are written here: a row that goes through costs what it did before.
"""

import logging
from collections.abc import Sequence
from uuid import UUID

import asyncpg

from runtime import metrics
from runtime.logs import log_context

log = logging.getLogger(__name__)
MAX_ERROR_CHARS = 2000

# the delay grows from the row's attempts so far (the old value, in the same UPDATE); the exponent is
# bounded so that a row refused for weeks does not overflow the float
_POSTPONE = (
    "UPDATE outbox SET attempts = attempts + 1, last_error = f.error, next_attempt_at = clock_timestamp()"
    " + make_interval(secs => least($3::float8, $2::float8 * power(2, least(attempts, 60))))"
    " FROM unnest($1::uuid[], $4::text[]) AS f(event_id, error)"
    " WHERE outbox.event_id = f.event_id AND outbox.sent_at IS NULL"
    " RETURNING outbox.event_id, outbox.order_id, outbox.routing_key, outbox.attempts, f.error,"
    " extract(epoch FROM outbox.next_attempt_at - clock_timestamp())::float8 AS wait_s"
)
_FAILING = (
    "SELECT count(*) AS n, coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0)::float8 AS age_s"
    " FROM outbox WHERE sent_at IS NULL AND next_attempt_at IS NOT NULL"
)


async def postpone(
    db: asyncpg.Pool | asyncpg.Connection,
    refused: Sequence[tuple[UUID, BaseException]],
    base_s: float,
    max_s: float,
) -> None:
    """Count one more attempt on each refused row, keep its error, and set when it is tried again."""
    rows = await db.fetch(
        _POSTPONE,
        [event_id for event_id, _ in refused],
        base_s,
        max_s,
        [f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS] for _, exc in refused],
    )
    for r in rows:
        with log_context(r["order_id"], r["event_id"]):
            log.warning(
                "outbox row refused by the broker; it waits for its next attempt",
                extra={
                    "routing_key": r["routing_key"],
                    "attempts": r["attempts"],
                    "retry_in_s": round(r["wait_s"], 3),
                    "error": r["error"],
                },
            )


async def observe(db: asyncpg.Pool | asyncpg.Connection) -> int:
    """Set the failing-rows gauges from the database; returns how many rows are failing."""
    [row] = await db.fetch(_FAILING)
    metrics.OUTBOX_FAILING.set(row["n"])
    metrics.OUTBOX_OLDEST_FAILING.set(row["age_s"])
    return int(row["n"])
