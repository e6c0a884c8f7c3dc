"""Shipping's SQL, nothing else."""

from uuid import UUID

import asyncpg

from shipping.domain import Refused, Scheduled


async def find_for_update(conn: asyncpg.Connection, order_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM shipments WHERE order_id = $1 FOR UPDATE", order_id)


async def insert(
    conn: asyncpg.Connection, shipment_id: UUID, order_id: UUID, reservation_id: UUID | None,
    outcome: Scheduled | Refused,
) -> None:
    if isinstance(outcome, Scheduled):
        await conn.execute(
            "INSERT INTO shipments (shipment_id, order_id, reservation_id, status, tracking_code, units,"
            " freight_cost, estimated_delivery) VALUES ($1, $2, $3, 'SCHEDULED', $4, $5, $6, $7)",
            shipment_id, order_id, reservation_id, outcome.tracking_code, outcome.units,
            outcome.freight_cost, outcome.estimated_delivery,
        )
    else:
        await conn.execute(
            "INSERT INTO shipments (shipment_id, order_id, reservation_id, status, reason)"
            " VALUES ($1, $2, $3, 'FAILED', $4)",
            shipment_id, order_id, reservation_id, outcome.reason,
        )


async def cancel(conn: asyncpg.Connection, order_id: UUID, reason: str) -> None:
    await conn.execute(
        "UPDATE shipments SET status = 'CANCELLED', reason = $2, updated_at = now() WHERE order_id = $1",
        order_id, reason,
    )


async def insert_tombstone(conn: asyncpg.Connection, shipment_id: UUID, order_id: UUID, reason: str) -> None:
    await conn.execute(
        "INSERT INTO shipments (shipment_id, order_id, status, reason) VALUES ($1, $2, 'CANCELLED', $3)",
        shipment_id, order_id, reason,
    )
