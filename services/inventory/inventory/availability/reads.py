"""Reading availability: from the Redis cache when it can be trusted, else from PostgreSQL.

A miss, an error, a timeout or an open circuit all fall back to PostgreSQL; a miss also fills the
cache (versioned, so a fill can never overwrite a newer write).
"""

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from inventory import metrics
from inventory.availability.cache import AvailabilityCache
from inventory.stock import queries
from inventory.stock.repository import Snapshot

CACHE, DATABASE = "cache", "database"


@dataclass(frozen=True)
class Read:
    found: dict[UUID, Snapshot]
    source: dict[UUID, str]  # product_id -> cache | database

    @property
    def missing(self) -> list[UUID]:
        return [p for p in self.source if p not in self.found]


async def read(pool: asyncpg.Pool, cache: AvailabilityCache, product_ids: list[UUID]) -> Read:
    ids = list(dict.fromkeys(product_ids))
    cached = await cache.get_many(ids)
    found = dict(cached or {})
    source = dict.fromkeys(found, CACHE)
    rest = [p for p in ids if p not in found]
    if rest:
        from_db = await queries.snapshots(pool, rest)
        found.update(from_db)
        source.update(dict.fromkeys(rest, DATABASE))
        if cached is not None and from_db:  # misses of a working cache: fill them (never on a failed read)
            await cache.put(from_db.values(), after_change=False)
    metrics.AVAILABILITY_READS.labels(CACHE).inc(len(ids) - len(rest))
    metrics.AVAILABILITY_READS.labels(DATABASE).inc(len(rest))
    return Read(found, {p: source[p] for p in ids})


def view(s: Snapshot) -> dict:
    return {
        "product_id": s.product_id,
        "on_hand": s.on_hand,
        "reserved": s.reserved,
        "available": s.available,
        "price": None if s.price is None else str(s.price),
        "warehouses": [
            {
                "warehouse_id": w.warehouse_id,
                "on_hand": w.on_hand,
                "reserved": w.reserved,
                "available": w.on_hand - w.reserved,
            }
            for w in s.warehouses
        ],
    }
