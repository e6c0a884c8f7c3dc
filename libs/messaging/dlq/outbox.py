"""Outbox rows still unsent, as an operator sees them: which event, how often the broker refused it, why,
and when it is tried next (messaging.refused writes the attempts, last error and next attempt)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg


@dataclass(frozen=True)
class Unsent:
    event_id: UUID
    order_id: UUID | None  # None: an event that belongs to no order
    exchange: str
    event_type: str
    attempts: int  # refusals so far; 0: never refused (young, or the broker was away)
    age_s: float
    next_attempt_at: datetime | None  # None: never refused, the poller takes it once it is old enough
    next_attempt_in_s: float | None  # negative: due now
    last_error: str | None

    def summary(self) -> dict[str, Any]:
        return {
            "event_id": str(self.event_id),
            "order_id": None if self.order_id is None else str(self.order_id),
            "exchange": self.exchange,
            "event_type": self.event_type,
            "attempts": self.attempts,
            "age_s": round(self.age_s, 1),
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
            "next_attempt_in_s": None if self.next_attempt_in_s is None else round(self.next_attempt_in_s, 1),
            "last_error": self.last_error,
        }


async def unsent(conn: asyncpg.Connection, limit: int = 1000, refused_only: bool = False) -> list[Unsent]:
    """The unsent rows, oldest first (or only those the broker refused)."""
    rows = await conn.fetch(
        "SELECT event_id, order_id, exchange, routing_key AS event_type, attempts,"
        " extract(epoch FROM clock_timestamp() - created_at)::float8 AS age_s, next_attempt_at,"
        " extract(epoch FROM next_attempt_at - clock_timestamp())::float8 AS next_attempt_in_s, last_error"
        " FROM outbox WHERE sent_at IS NULL AND (NOT $2 OR next_attempt_at IS NOT NULL) ORDER BY id LIMIT $1",
        limit,
        refused_only,
    )
    return [Unsent(**dict(r)) for r in rows]
