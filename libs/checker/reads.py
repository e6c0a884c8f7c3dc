"""What the checker reads from each service's database: plain rows, no judgement."""

from collections.abc import Mapping

import asyncpg

from events.ledger import balance_sql


async def _fetch(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


async def order_facts(url: str) -> dict:
    statuses = await _fetch(url, "SELECT order_id, status FROM orders")
    confirmed_units = await _fetch(
        url,
        "SELECT i.product_id, sum(i.quantity) AS units FROM order_items i JOIN orders o USING (order_id)"
        " WHERE o.status = 'CONFIRMED' GROUP BY i.product_id",
    )
    prices = await _fetch(url, "SELECT product_id, price FROM product_prices")
    return {
        "status": {r["order_id"]: r["status"] for r in statuses},
        "confirmed_units": {r["product_id"]: r["units"] for r in confirmed_units},
        "prices": {r["product_id"]: r["price"] for r in prices},
    }


async def payment_facts(url: str) -> dict:
    payments = await _fetch(url, "SELECT order_id, status FROM payments")
    charges = await _fetch(url, "SELECT order_id, count(*) AS n FROM gateway_charges GROUP BY order_id")
    refunds = await _fetch(url, "SELECT order_id, count(*) AS n FROM gateway_refunds GROUP BY order_id")
    per_order = await _fetch(url, "SELECT order_id, count(*) AS n FROM payments GROUP BY order_id")
    return {
        "payment": {r["order_id"]: r["status"] for r in payments},
        "payments_per_order": {r["order_id"]: r["n"] for r in per_order},
        "charges": {r["order_id"]: r["n"] for r in charges},
        "refunds": {r["order_id"]: r["n"] for r in refunds},
    }


async def inventory_facts(url: str) -> dict:
    products = await _fetch(
        url,
        "SELECT p.product_id, p.on_hand, p.reserved, p.received_total, p.committed_total, p.price,"
        " coalesce((SELECT sum(ri.quantity) FROM reservation_items ri JOIN reservations r USING (reservation_id)"
        "   WHERE ri.product_id = p.product_id AND r.status = 'ACTIVE'), 0) AS active_reserved,"
        f" (SELECT {balance_sql('on_hand', 'm.kind', 'm.quantity')} FROM movements m"
        "   WHERE m.product_id = p.product_id) AS ledger_on_hand,"
        f" (SELECT {balance_sql('reserved', 'm.kind', 'm.quantity')} FROM movements m"
        "   WHERE m.product_id = p.product_id) AS ledger_reserved"
        " FROM products p",
    )
    places = await _fetch(
        url,
        "SELECT s.product_id, s.warehouse_id, s.on_hand, s.reserved, s.received_total, s.committed_total,"
        " coalesce((SELECT sum(ri.quantity) FROM reservation_items ri JOIN reservations r USING (reservation_id)"
        "   WHERE ri.product_id = s.product_id AND ri.warehouse_id = s.warehouse_id AND r.status = 'ACTIVE'), 0)"
        "   AS active_reserved,"
        f" (SELECT {balance_sql('on_hand', 'm.kind', 'm.quantity')} FROM movements m"
        "   WHERE m.product_id = s.product_id AND m.warehouse_id = s.warehouse_id) AS ledger_on_hand,"
        f" (SELECT {balance_sql('reserved', 'm.kind', 'm.quantity')} FROM movements m"
        "   WHERE m.product_id = s.product_id AND m.warehouse_id = s.warehouse_id) AS ledger_reserved"
        " FROM stock s ORDER BY s.product_id, s.warehouse_id",
    )
    # settlements per reservation line: one (commit, release or expire) once it ended, none while active
    ends = await _fetch(
        url,
        "SELECT r.reservation_id, r.status, count(i.*) AS lines,"
        " (SELECT count(*) FROM movements m WHERE m.reservation_id = r.reservation_id"
        "   AND m.kind IN ('commit', 'release', 'expire')) AS settled"
        " FROM reservations r LEFT JOIN reservation_items i USING (reservation_id) GROUP BY r.reservation_id",
    )
    reservations = await _fetch(url, "SELECT order_id, status FROM reservations WHERE order_id IS NOT NULL")
    by_product: dict = {}
    for r in places:
        by_product.setdefault(r["product_id"], []).append(dict(r))
    return {
        "products": {
            r["product_id"]: {**dict(r), "places": by_product.get(r["product_id"], [])} for r in products
        },
        "reservation": {r["order_id"]: r["status"] for r in reservations},
        "reservation_ends": [dict(r) for r in ends],
    }


async def shipping_facts(url: str) -> dict:
    """Each order's shipment statuses (one row per warehouse's shipment, or one refusal or tombstone)."""
    shipments = await _fetch(
        url,
        "SELECT order_id, array_agg(DISTINCT status ORDER BY status) AS statuses FROM shipments GROUP BY order_id",
    )
    return {"shipments": {r["order_id"]: set(r["statuses"]) for r in shipments}}


async def outbox_unsent(url: str) -> int:
    rows = await _fetch(url, "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL")
    return rows[0]["n"]


async def progress_marker(urls: Mapping[str, str]) -> tuple[int, ...]:
    """A number that moves whenever any service consumes or emits: quiet means it stands still."""
    marks = []
    for url in urls.values():
        rows = await _fetch(
            url, "SELECT (SELECT count(*) FROM idempotency_keys) + (SELECT count(*) FROM outbox) AS n"
        )
        marks.append(rows[0]["n"])
    return tuple(marks)
