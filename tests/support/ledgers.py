"""What the payment and shipping databases of a stack say about orders: the money trail."""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from stack.supervisor import Stack


@dataclass(frozen=True)
class Money:
    payment: str | None  # APPROVED, DECLINED, REVERSED, or None when no payment row exists
    charges: int  # rows in the simulated gateway's ledger
    refunds: int


async def money_of(stack: Stack, order_ids: Iterable[UUID]) -> dict[UUID, Money]:
    ids = list(order_ids)
    conn = await asyncpg.connect(stack.database_url("payment"), timeout=10)
    try:
        rows = await conn.fetch(
            "SELECT o.id,"
            " (SELECT status FROM payments p WHERE p.order_id = o.id) AS payment,"
            " (SELECT count(*) FROM gateway_charges c WHERE c.order_id = o.id) AS charges,"
            " (SELECT count(*) FROM gateway_refunds r WHERE r.order_id = o.id) AS refunds"
            " FROM unnest($1::uuid[]) AS o(id)",
            ids,
        )
    finally:
        await conn.close()
    return {r["id"]: Money(r["payment"], r["charges"], r["refunds"]) for r in rows}


async def shipment_status(stack: Stack, order_id: UUID) -> str | None:
    conn = await asyncpg.connect(stack.database_url("shipping"), timeout=10)
    try:
        # an order's shipments share one status; shipments that disagree read as both, e.g. "CANCELLED,SCHEDULED"
        return await conn.fetchval(
            "SELECT string_agg(DISTINCT status, ',' ORDER BY status) FROM shipments WHERE order_id = $1",
            order_id,
        )
    finally:
        await conn.close()
