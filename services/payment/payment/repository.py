"""Payment's SQL, nothing else."""

from decimal import Decimal
from uuid import UUID

import asyncpg


async def find_for_update(conn: asyncpg.Connection, order_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM payments WHERE order_id = $1 FOR UPDATE", order_id)


async def insert(
    conn: asyncpg.Connection, payment_id: UUID, order_id: UUID, amount: Decimal, status: str,
    reason: str | None = None, charge_id: UUID | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO payments (payment_id, order_id, amount, status, reason, charge_id)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        payment_id, order_id, amount, status, reason, charge_id,
    )


async def mark_reversed(conn: asyncpg.Connection, payment_id: UUID, reason: str) -> None:
    await conn.execute(
        "UPDATE payments SET status = 'REVERSED', reason = $2, reversed_at = now() WHERE payment_id = $1",
        payment_id, reason,
    )
