"""Payment's SQL, nothing else: a batch locks its payments, inserts the new ones, marks the reversed."""

from uuid import UUID

import asyncpg

from payment.domain import Payment


async def lock(conn: asyncpg.Connection, order_ids: list[UUID]) -> dict[UUID, Payment]:
    """The orders' payments, locked in order id order (so two batches never deadlock); an order with no
    payment is left out."""
    rows = await conn.fetch(
        "SELECT payment_id, order_id, amount, status, reason, charge_id FROM payments"
        " WHERE order_id = ANY($1::uuid[]) ORDER BY order_id FOR UPDATE",
        sorted(set(order_ids)),
    )
    return {r["order_id"]: Payment(**dict(r)) for r in rows}


async def insert_many(conn: asyncpg.Connection, payments: list[Payment]) -> None:
    await conn.execute(
        "INSERT INTO payments (payment_id, order_id, amount, status, reason, charge_id)"
        " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::numeric[], $4::text[], $5::text[], $6::uuid[])"
        " AS d(p, o, a, s, r, c) ORDER BY o",
        [p.payment_id for p in payments],
        [p.order_id for p in payments],
        [p.amount for p in payments],
        [p.status for p in payments],
        [p.reason for p in payments],
        [p.charge_id for p in payments],
    )


async def mark_reversed(conn: asyncpg.Connection, payments: list[Payment]) -> None:
    """Each payment REVERSED with its reason."""
    await conn.execute(
        "UPDATE payments p SET status = 'REVERSED', reason = d.reason, reversed_at = now()"
        " FROM unnest($1::uuid[], $2::text[]) AS d(id, reason) WHERE p.payment_id = d.id",
        [p.payment_id for p in payments],
        [p.reason for p in payments],
    )
