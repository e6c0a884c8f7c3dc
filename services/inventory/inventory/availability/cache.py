"""Availability cached in Redis: one key per product holding its totals and its warehouses' stock
(libs/stockcache says how: "version:on_hand:reserved|main:on_hand:reserved|...|$price").

A write carries the product row's version and a Lua script stores it only if it is newer, so a late
write never overwrites a newer one. A repair (reconciliation) compare-and-sets the exact value it saw.
Reads use the cache only while it is trusted: no write of this process was lost since the last full
reconciliation; a lost write makes the cache untrusted and wakes the reconciler.
"""

import asyncio
from collections.abc import Iterable
from uuid import UUID

import redis.asyncio as redis

import stockcache
from inventory import metrics
from inventory.availability.redis_gate import RedisGate
from inventory.stock.repository import Snapshot
from runtime.breaker import OPEN
from stockcache import Entry, raw_entries, stock_key

WRITE_IF_NEWER = """
local written = 0
for i, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  -- an entry of a layout from before (no `|`: before warehouses; no `|$`: before prices) has no
  -- version here: it is overwritten
  local version = current and string.find(current, '|$', 1, true)
    and tonumber(string.match(current, '^(%d+):%d+:%d+|'))
  if (not version) or version < tonumber(ARGV[2 * i - 1]) then
    redis.call('SET', key, ARGV[2 * i])
    written = written + 1
  end
end
return written
"""
COMPARE_AND_SET = """
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""


def encode(s: Snapshot) -> str:
    return stockcache.encode(Entry(s.version, s.on_hand, s.reserved, s.warehouses, s.price))


def decode(product_id: UUID, raw: str | None) -> Snapshot | None:
    """The cached snapshot, or None for a missing or unreadable (corrupted) entry."""
    entry = stockcache.decode(raw)
    if entry is None:
        return None
    return Snapshot(product_id, entry.on_hand, entry.reserved, entry.version, entry.warehouses, entry.price)


async def cached_available(client: redis.Redis, prefix: str, ids: list[UUID]) -> dict[UUID, int]:
    """Available units per product as Redis has them (readable entries only)."""
    snaps = (decode(p, raw) for p, raw in zip(ids, await raw_entries(client, prefix, ids), strict=True))
    return {s.product_id: s.available for s in snaps if s is not None}


class AvailabilityCache:
    def __init__(self, gate: RedisGate) -> None:
        self.gate = gate
        self.trusted = False  # until a full reconciliation (at start-up) has run
        self.losses = 0  # lost writes so far; a reconciliation started after the last one trusts
        self.stale = asyncio.Event()  # wakes the reconciler
        self._write = gate.client.register_script(WRITE_IF_NEWER)
        self._cas = gate.client.register_script(COMPARE_AND_SET)
        # Redis unreachable: it may come back emptied or restored from an old snapshot; distrust it
        gate.on_state_change(lambda state: self.lost() if state == OPEN else None)

    def lost(self) -> None:
        self.losses += 1
        self.trusted = False
        self.stale.set()

    async def entries(self, ids: list[UUID]) -> list[str | None]:
        return await self.gate.run(lambda c: raw_entries(c, self.gate.prefix, ids))

    async def get_many(self, ids: list[UUID]) -> dict[UUID, Snapshot] | None:
        """What the cache holds for `ids` (misses left out), or None when it cannot be used now."""
        if not self.trusted:
            return None
        try:
            raw = await self.entries(ids)
        except Exception:  # timeout, connection refused, circuit open: PostgreSQL answers instead
            return None
        snaps = (decode(p, r) for p, r in zip(ids, raw, strict=True))
        return {s.product_id: s for s in snaps if s is not None}

    async def write(self, snapshots: Iterable[Snapshot]) -> int:
        """Store the snapshots newer than what Redis holds; returns how many were. Raises on failure."""
        latest: dict[UUID, Snapshot] = {}
        for s in snapshots:
            if s.product_id not in latest or latest[s.product_id].version < s.version:
                latest[s.product_id] = s
        if not latest:
            return 0
        keys = [stock_key(self.gate.prefix, p) for p in latest]
        args = [x for s in latest.values() for x in (s.version, encode(s))]
        written = await self.gate.run(lambda c: self._write(keys=keys, args=args, client=c))
        metrics.CACHE_WRITES.labels("written").inc(written)
        metrics.CACHE_WRITES.labels("stale").inc(len(latest) - written)
        return written

    async def put(self, snapshots: Iterable[Snapshot], *, after_change: bool = True) -> None:
        """Best effort. After a committed change a failed write is a lost update (the cache is stale
        until reconciled); a read-through fill that fails loses nothing."""
        try:
            await self.write(snapshots)
        except Exception:
            metrics.CACHE_WRITES.labels("failed").inc()
            if after_change:
                self.lost()

    async def compare_and_set(self, product_id: UUID, seen: str | None, snapshot: Snapshot) -> bool:
        key = stock_key(self.gate.prefix, product_id)
        return bool(
            await self.gate.run(
                lambda c: self._cas(keys=[key], args=[seen or "", encode(snapshot)], client=c)
            )
        )
