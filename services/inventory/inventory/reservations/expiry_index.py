"""The reservation expiry index in Redis: a sorted set of reservation ids scored by expires_at.

It only nominates candidates so the sweeper need not scan PostgreSQL every second; PostgreSQL's
expires_at and now() decide. An entry that is lost is found by the periodic PostgreSQL scan and put
back by reconciliation; an entry that is stale is dropped by the sweeper when it comes due.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from uuid import UUID

from inventory.availability.redis_gate import RedisGate


class ExpiryIndex:
    def __init__(self, gate: RedisGate, on_lost: Callable[[], None] = lambda: None) -> None:
        self.gate, self.key, self._on_lost = gate, gate.key("expiry"), on_lost

    async def add(self, entries: Iterable[tuple[UUID, datetime]]) -> None:
        """Raises on failure (reconciliation wants to know)."""
        mapping = {str(rid): expires_at.timestamp() for rid, expires_at in entries}
        if mapping:
            await self.gate.run(lambda c: c.zadd(self.key, mapping))

    async def remove(self, ids: Iterable[UUID]) -> None:
        members = [str(r) for r in ids]
        if members:
            await self.gate.run(lambda c: c.zrem(self.key, *members))

    async def try_add(self, entries: Iterable[tuple[UUID, datetime]]) -> None:
        try:
            await self.add(entries)
        except Exception:  # the PostgreSQL scan finds it; reconciliation puts it back
            self._on_lost()

    async def try_remove(self, ids: Iterable[UUID]) -> None:
        try:
            await self.remove(ids)
        except Exception:  # a stale entry is dropped by the sweeper when it comes due
            self._on_lost()

    async def due(self, now: float, limit: int) -> list[UUID] | None:
        """Reservation ids whose expiry has passed by `now` (epoch seconds), or None if Redis is unusable."""
        try:
            members = await self.gate.run(
                lambda c: c.zrangebyscore(self.key, "-inf", now, start=0, num=limit)
            )
        except Exception:
            return None
        return _ids(members)

    async def members(self) -> list[UUID]:
        return _ids(await self.gate.run(lambda c: c.zrange(self.key, 0, -1)))


def _ids(members: Iterable[object]) -> list[UUID]:
    """The members that are reservation ids (the client decodes replies, so they come as str)."""
    ids = []
    for m in members:
        if not isinstance(m, str):  # not ours to act on; only PostgreSQL ids ever get in
            continue
        try:
            ids.append(UUID(m))
        except ValueError:
            continue
    return ids
