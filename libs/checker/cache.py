"""Invariant 7: once quiet, Redis's cached stock equals PostgreSQL's for every product."""

import redis.asyncio as redis

import stockcache  # the cache's layout, defined once for inventory (its writer) and the checker


async def cache_drift(redis_url: str, prefix: str, inv: dict) -> list:
    """Products whose Redis entry is missing, unreadable, or holds other units than PostgreSQL (in all,
    or in a warehouse)."""
    client = redis.from_url(redis_url, socket_timeout=5)
    try:
        cached = await stockcache.entries(client, prefix, list(inv["products"]))
    finally:
        await client.aclose()
    drift = []
    for pid, p in inv["products"].items():
        entry = cached.get(pid)
        in_redis = (
            None
            if entry is None
            else {
                "on_hand": entry.on_hand,
                "reserved": entry.reserved,
                "warehouses": {w.warehouse_id: [w.on_hand, w.reserved] for w in entry.warehouses},
            }
        )
        in_postgres = {
            "on_hand": p["on_hand"],
            "reserved": p["reserved"],
            "warehouses": {w["warehouse_id"]: [w["on_hand"], w["reserved"]] for w in p["places"]},
        }
        if in_redis != in_postgres:
            drift.append({"product_id": str(pid), "redis": in_redis, "postgres": in_postgres})
    return drift
