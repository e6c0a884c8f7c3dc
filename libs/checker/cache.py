"""Invariant 7: once quiet, Redis's availability equals PostgreSQL's for every product."""

import redis.asyncio as redis

from checker.targets import Targets
from inventory.cache import cached_available  # the cache's own reader: one definition of its keys


async def cache_drift(targets: Targets, inv: dict) -> list:

    client = redis.from_url(targets.redis_url, socket_timeout=5)
    try:
        cached = await cached_available(client, targets.redis_prefix, list(inv["products"]))
    finally:
        await client.aclose()
    drift = []
    for pid, p in inv["products"].items():
        available = p["on_hand"] - p["reserved"]
        if cached.get(pid) != available:
            drift.append({"product_id": str(pid), "redis": cached.get(pid), "postgres": available})
    return drift
