"""Keeps Redis in step with committed stock changes: the availability cache and the expiry index.

Everything here runs after the PostgreSQL commit (UnitOfWork.after_commit), best effort: a failure
never undoes or fails the change, it only leaves Redis behind until reconciliation repairs it.
"""

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from aiohttp import web

from inventory.cache import AvailabilityCache
from inventory.expiry_index import ExpiryIndex
from inventory.repository import Snapshot
from runtime.unit_of_work import UnitOfWork


class Projection:
    def __init__(self, cache: AvailabilityCache, index: ExpiryIndex) -> None:
        self.cache, self.index = cache, index

    def stock_changed(self, uow: UnitOfWork, snapshots: Iterable[Snapshot]) -> None:
        snaps = list(snapshots)
        uow.after_commit.append(lambda: self.cache.put(snaps))

    def reserved(self, uow: UnitOfWork, reservation_id: UUID, expires_at: datetime) -> None:
        uow.after_commit.append(lambda: self.index.try_add([(reservation_id, expires_at)]))

    def settled(self, uow: UnitOfWork, reservation_ids: Iterable[UUID]) -> None:
        ids = list(reservation_ids)
        uow.after_commit.append(lambda: self.index.try_remove(ids))


PROJECTION = web.AppKey("projection", Projection)
