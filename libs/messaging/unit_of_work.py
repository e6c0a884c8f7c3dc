"""One transaction around one decision: state changes and outgoing events commit together."""

import contextlib
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

import asyncpg

from events import LATEST_VERSION, Event
from messaging.outbox import OnCommit, Outgoing

log = logging.getLogger(__name__)
ACQUIRE_TIMEOUT_S = 5.0  # an exhausted pool is an error (503, or a retry), not an endless wait


class UnitOfWork:
    """`async with UnitOfWork(pool) as uow:` ... `uow.outbox.append(event)` ... `await uow.commit()`.

    Leaving the block without commit() rolls back. Events in `outbox` are inserted into the outbox
    table inside the same transaction, so they exist if and only if the state change does.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        on_commit: OnCommit | None = None,
        begin_with: str | None = None,
        schema_version: int = LATEST_VERSION,
    ) -> None:
        """`begin_with`: a statement with its values written out (no parameters), sent in the BEGIN's round
        trip; its status ("INSERT 0 1") is then `began`. `schema_version`: the version the outbox events
        are written in (the producer's EVENT_SCHEMA_VERSION)."""
        self._pool = pool
        self._on_commit = on_commit
        self._schema_version = schema_version
        self._begin = f"BEGIN; {begin_with}" if begin_with else "BEGIN"
        self.began = ""
        self.outbox: list[Event] = []
        self.after_commit: list[Callable[[], Awaitable[None]]] = []  # best-effort side effects (caches)
        self.committed = False

    async def __aenter__(self) -> Self:
        self.conn: asyncpg.Connection = await self._pool.acquire(timeout=ACQUIRE_TIMEOUT_S)
        try:
            self.began = await self.conn.execute(self._begin)
        except BaseException:
            await self.__aexit__(None, None, None)  # rolled back (begun, the statement failed), released
            raise
        return self

    async def commit(self) -> None:
        outgoing = Outgoing(self.outbox, self._schema_version)
        # the outbox rows and the COMMIT in one simple query, one round trip: if the insert fails, the
        # COMMIT is not run and the transaction rolls back on the way out
        status = await self.conn.execute(f"{outgoing.insert_literal()}; COMMIT" if self.outbox else "COMMIT")
        if status != "COMMIT":  # PostgreSQL answers a COMMIT of a failed transaction by rolling it back
            raise asyncpg.InFailedSQLTransactionError(f"the transaction was rolled back at commit ({status})")
        self.committed = True
        rows = outgoing.rows()
        if rows and self._on_commit:  # handed to the relay, which publishes them at once
            self._on_commit(rows)
        for effect in self.after_commit:
            try:
                await effect()
            except Exception as exc:  # the transaction stands; a cache is repaired by reconciliation
                log.warning("after-commit effect failed", extra={"error": repr(exc)})

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if not self.committed and not self.conn.is_closed():
                with contextlib.suppress(Exception):  # a broken connection: the pool discards it
                    await self.conn.execute("ROLLBACK")
        finally:
            await self._pool.release(self.conn)
