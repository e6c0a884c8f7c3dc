"""The inbox (`idempotency_keys`): the ids of the events a service applied, claimed in the transaction
that applies them, so that a redelivered event changes nothing.

The claim rides in the BEGIN's round trip (`claim`, for `UnitOfWork(begin_with=...)`) and its answer,
how many rows it inserted, tells which events are fresh when the count is all or none: always for one
event, nearly always for a batch. Only a batch that is partly redelivered asks again, exactly.
Keys go in event id order, the first lock a batch takes (batch.py).
"""

from typing import NamedTuple
from uuid import UUID

from messaging import literals
from messaging.unit_of_work import UnitOfWork


class Key(NamedTuple):
    event_id: UUID
    queue: str
    event_type: str
    order_id: UUID | None  # None: an event that belongs to no order


def _by_event(key: Key) -> UUID:
    """Keys sort by event id alone (event ids are unique; a None order id does not compare)."""
    return key.event_id


_COLUMNS = "idempotency_keys (event_id, queue, event_type, order_id)"


def claim(keys: list[Key]) -> str:
    """The insert of every key not seen before, with its values written out."""
    values = ", ".join(
        f"({literals.uuid(k.event_id)}, {literals.text(k.queue)}, {literals.text(k.event_type)},"
        f" {literals.optional_uuid(k.order_id)})"
        for k in sorted(keys, key=_by_event)
    )
    return f"INSERT INTO {_COLUMNS} VALUES {values} ON CONFLICT DO NOTHING"


async def claimed(uow: UnitOfWork, keys: list[Key]) -> set[UUID]:
    """The ids `claim` inserted in this transaction (begun with it): the events to apply now."""
    inserted = int(uow.began.rsplit(" ", 1)[-1])  # "INSERT 0 <rows>"
    if inserted == len(keys):
        return {k.event_id for k in keys}
    if inserted == 0:
        return set()
    # some of the batch were seen before: start again, with nothing done yet, and ask which
    await uow.conn.execute("ROLLBACK; BEGIN")
    ordered = sorted(keys, key=_by_event)
    rows = await uow.conn.fetch(
        f"INSERT INTO {_COLUMNS} SELECT e, q, t, o FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[])"
        " WITH ORDINALITY AS k(e, q, t, o, n) ORDER BY n ON CONFLICT DO NOTHING RETURNING event_id",
        *([getattr(k, f) for k in ordered] for f in Key._fields),
    )
    return {r["event_id"] for r in rows}
