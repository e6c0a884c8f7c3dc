"""The simulated payment gateway: an outside system, so it commits on its own, not in our transaction.

It dedups on the order id like a real provider's idempotency key: calling it again after a crash
returns the first charge, so a customer is charged at most once per order.
"""

from decimal import Decimal
from uuid import UUID, uuid4

import asyncpg

from runtime.faults import fault_point


class SimulatedGateway:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def charge(self, order_id: UUID, amount: Decimal) -> UUID:
        charge_id = await self._pool.fetchval(
            "INSERT INTO gateway_charges (charge_id, order_id, amount) VALUES ($1, $2, $3)"
            " ON CONFLICT (order_id) DO UPDATE SET order_id = EXCLUDED.order_id RETURNING charge_id",
            uuid4(), order_id, amount,
        )
        await fault_point("payment.after_charge_before_record")
        return charge_id

    async def refund(self, order_id: UUID, charge_id: UUID, amount: Decimal) -> UUID:
        return await self._pool.fetchval(
            "INSERT INTO gateway_refunds (refund_id, order_id, charge_id, amount) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (order_id) DO UPDATE SET order_id = EXCLUDED.order_id RETURNING refund_id",
            uuid4(), order_id, charge_id, amount,
        )
