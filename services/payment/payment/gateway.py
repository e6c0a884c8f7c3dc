"""The simulated payment gateway: an outside system, so it commits on its own, not in our transaction.

It dedups on the order id like a real provider's idempotency key: calling it again after a crash
returns the first charge (or refund), so a customer is charged (or refunded) at most once per order.
A call takes many orders at once, in order id order (two calls at once never deadlock).
"""

from decimal import Decimal
from uuid import UUID, uuid4

import asyncpg

from runtime.faults import fault_point


class SimulatedGateway:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def charge_many(self, amounts: dict[UUID, Decimal]) -> dict[UUID, UUID]:
        """Charge each order its amount; order id -> charge id."""
        orders = sorted(amounts)
        rows = await self._pool.fetch(
            "INSERT INTO gateway_charges (charge_id, order_id, amount)"
            " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::numeric[]) AS d(c, o, a) ORDER BY o"
            " ON CONFLICT (order_id) DO UPDATE SET order_id = EXCLUDED.order_id RETURNING order_id, charge_id",
            [uuid4() for _ in orders],
            orders,
            [amounts[o] for o in orders],
        )
        await fault_point("payment.after_charge_before_record")
        return {r["order_id"]: r["charge_id"] for r in rows}

    async def refund_many(self, charges: dict[UUID, tuple[UUID, Decimal]]) -> dict[UUID, UUID]:
        """Refund each order's (charge id, amount); order id -> refund id."""
        orders = sorted(charges)
        rows = await self._pool.fetch(
            "INSERT INTO gateway_refunds (refund_id, order_id, charge_id, amount)"
            " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::numeric[]) AS d(r, o, c, a) ORDER BY o"
            " ON CONFLICT (order_id) DO UPDATE SET order_id = EXCLUDED.order_id RETURNING order_id, refund_id",
            [uuid4() for _ in orders],
            orders,
            [charges[o][0] for o in orders],
            [charges[o][1] for o in orders],
        )
        return {r["order_id"]: r["refund_id"] for r in rows}
