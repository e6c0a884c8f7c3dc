"""Keeps Redis in step with committed stock changes: the availability cache and the expiry index.

Everything here runs after the PostgreSQL commit (UnitOfWork.after_commit), best effort: a failure
never undoes or fails the change, it only leaves Redis behind until reconciliation repairs it. What one
transaction changes (one event or a batch of them) is written in one go: a few Redis calls per commit.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID
from weakref import WeakKeyDictionary

from aiohttp import web

from inventory.availability.cache import AvailabilityCache
from inventory.availability.redis_gate import RedisGate
from inventory.reservations.expiry_index import ExpiryIndex
from inventory.stock.repository import Snapshot
from messaging.unit_of_work import UnitOfWork


@dataclass
class _Changes:
    """What one transaction changed, written to Redis in three calls after it commits."""

    snapshots: list[Snapshot] = field(default_factory=list)
    reserved: list[tuple[UUID, datetime]] = field(default_factory=list)
    settled: list[UUID] = field(default_factory=list)


class Projection:
    def __init__(self, cache: AvailabilityCache, index: ExpiryIndex) -> None:
        self.cache, self.index = cache, index
        self._open: WeakKeyDictionary[UnitOfWork, _Changes] = WeakKeyDictionary()

    @classmethod
    def on(cls, gate: RedisGate) -> "Projection":
        """The cache and the expiry index on one Redis; a lost index entry makes the cache reconcile too."""
        cache = AvailabilityCache(gate)
        return cls(cache, ExpiryIndex(gate, on_lost=cache.stale.set))

    def _changes(self, uow: UnitOfWork) -> _Changes:
        changes = self._open.get(uow)
        if changes is None:
            changes = self._open[uow] = _Changes()
            uow.after_commit.append(lambda: self._write(changes))
        return changes

    async def _write(self, changes: _Changes) -> None:
        if changes.snapshots:
            await self.cache.put(changes.snapshots)  # the newest version of each product wins
        if changes.reserved:
            await self.index.try_add(changes.reserved)
        if changes.settled:
            await self.index.try_remove(changes.settled)

    def stock_changed(self, uow: UnitOfWork, snapshots: Iterable[Snapshot]) -> None:
        self._changes(uow).snapshots.extend(snapshots)

    def reserved(self, uow: UnitOfWork, reservation_id: UUID, expires_at: datetime) -> None:
        self._changes(uow).reserved.append((reservation_id, expires_at))

    def settled(self, uow: UnitOfWork, reservation_ids: Iterable[UUID]) -> None:
        self._changes(uow).settled.extend(reservation_ids)


PROJECTION = web.AppKey("projection", Projection)
