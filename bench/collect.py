"""Reading the outcome: wait until every order is terminal, then when each became so (its history)."""

import asyncio
import time
from datetime import datetime
from uuid import UUID

import asyncpg

from events.statuses import TERMINAL


async def wait_terminal(orders_db: str, ids: list[UUID], timeout_s: float) -> int:
    """Poll until all `ids` are terminal or the deadline passes; returns how many are not. Only the
    orders still pending are asked about, and not too often: the poll must not load the system it measures."""
    deadline = time.monotonic() + timeout_s
    pending = list(ids)
    conn = await asyncpg.connect(orders_db, timeout=10)
    try:
        while pending and time.monotonic() < deadline:
            done = {
                r["order_id"]
                for r in await conn.fetch(
                    "SELECT order_id FROM orders WHERE order_id = ANY($1::uuid[]) AND status = ANY($2::text[])",
                    pending,
                    list(TERMINAL),
                )
            }
            pending = [i for i in pending if i not in done]
            if pending:
                await asyncio.sleep(0.25)
        return len(pending)
    finally:
        await conn.close()


async def outcomes(orders_db: str, ids: list[UUID]) -> dict[UUID, tuple[str, datetime | None]]:
    """order id -> (status, when the history recorded its terminal status, if it has one)."""
    conn = await asyncpg.connect(orders_db, timeout=10)
    try:
        rows = await conn.fetch(
            "SELECT o.order_id, o.status, h.at FROM orders o LEFT JOIN LATERAL ("
            "  SELECT at FROM order_history WHERE order_id = o.order_id AND status = o.status AND applied"
            "  ORDER BY id LIMIT 1) h ON o.status = ANY($2::text[])"
            " WHERE o.order_id = ANY($1::uuid[])",
            ids,
            list(TERMINAL),
        )
    finally:
        await conn.close()
    return {r["order_id"]: (r["status"], r["at"]) for r in rows}
