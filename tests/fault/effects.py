"""Effects applied more than once, counted from the four databases: a handler that ran twice for one
event shows up as a second outbox event of one type for one order (or, for an event of no order, for
one product and version), a second applied history entry, a
second ledger movement of one kind for one reservation, or a second charge, payment or refund."""

import asyncpg

from stack.supervisor import Stack

OUTBOX_TWICE = (
    "SELECT count(*) FROM (SELECT 1 FROM outbox WHERE order_id IS NOT NULL"
    " GROUP BY order_id, routing_key HAVING count(*) > 1) d"
)
# an event of no order (inventory.price_changed) is one per product and version
ORDERLESS_TWICE = (
    "SELECT count(*) FROM (SELECT 1 FROM outbox WHERE order_id IS NULL GROUP BY routing_key,"
    " convert_from(body, 'UTF8')::jsonb #>> '{payload,product_id}',"
    " convert_from(body, 'UTF8')::jsonb #>> '{payload,version}' HAVING count(*) > 1) d"
)
DUPLICATES: dict[str, tuple[str, ...]] = {
    "order": (
        OUTBOX_TWICE,
        "SELECT count(*) FROM (SELECT 1 FROM order_history WHERE applied AND event_id IS NOT NULL"
        " GROUP BY order_id, event_id, status HAVING count(*) > 1) d",
    ),
    "payment": (
        OUTBOX_TWICE,
        "SELECT count(*) FROM (SELECT 1 FROM payments GROUP BY order_id HAVING count(*) > 1) d",
        "SELECT count(*) FROM (SELECT 1 FROM gateway_charges GROUP BY order_id HAVING count(*) > 1) d",
        "SELECT count(*) FROM (SELECT 1 FROM gateway_refunds GROUP BY order_id HAVING count(*) > 1) d",
    ),
    "inventory": (
        OUTBOX_TWICE,
        ORDERLESS_TWICE,
        "SELECT count(*) FROM (SELECT 1 FROM movements WHERE reservation_id IS NOT NULL"
        " GROUP BY reservation_id, kind, product_id HAVING count(*) > 1) d",
        "SELECT count(*) FROM (SELECT 1 FROM reservations GROUP BY order_id HAVING count(*) > 1) d",
    ),
    "shipping": (
        OUTBOX_TWICE,
        "SELECT count(*) FROM (SELECT 1 FROM shipments GROUP BY order_id, warehouse_id HAVING count(*) > 1) d",
        "SELECT count(*) FROM (SELECT 1 FROM shipments GROUP BY order_id, shipment_no HAVING count(*) > 1) d",
    ),
}
# every table whose rows are effects: their counts must not move when events are delivered again
EFFECT_TABLES = {
    "order": ("orders", "order_history", "outbox", "idempotency_keys"),
    "payment": ("payments", "gateway_charges", "gateway_refunds", "outbox", "idempotency_keys"),
    "inventory": ("reservations", "movements", "outbox", "idempotency_keys"),
    "shipping": ("shipments", "outbox", "idempotency_keys"),
}


async def _each(stack: Stack, queries: dict[str, tuple[str, ...]]) -> dict[str, int]:
    out = {}
    for service, sqls in queries.items():
        conn = await asyncpg.connect(stack.database_url(service), timeout=10)
        try:
            for sql in sqls:
                out[f"{service}: {sql}"] = await conn.fetchval(sql)
        finally:
            await conn.close()
    return out


async def duplicated(stack: Stack) -> int:
    return sum((await _each(stack, DUPLICATES)).values())


async def effect_counts(stack: Stack) -> dict[str, int]:
    counts = await _each(
        stack, {s: tuple(f"SELECT count(*) FROM {t}" for t in ts) for s, ts in EFFECT_TABLES.items()}
    )
    return {k.replace("SELECT count(*) FROM ", ""): v for k, v in counts.items()}
