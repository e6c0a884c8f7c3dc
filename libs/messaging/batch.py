"""Applying several events in one transaction, and the lock order that keeps such batches deadlock-free.

The consumer hands a service every fresh event it has at hand in one call, inside one transaction.
Two batches in flight at once (two workers, two replicas) must never wait on each other in a cycle, so
a batch takes its row locks in one global order:
- the inbox keys first, sorted by event id (the consumer does that);
- then what the service's batch handler locks, in its own fixed order: rows keyed by the saga's order
  id in order id order (order, payment, shipping: one statement for the batch), and for inventory its
  reservations and the holds its checkouts name (one statement, by reservation id), then products by
  product id (the sweeper and the holds API take reservations before products, products in that order).
Handlers decide in memory, the events sorted by order id (`by_order`; one order's events keep the order
they arrived in), and write the batch in a few statements.
"""

from collections.abc import Awaitable, Callable, Mapping
from uuid import UUID

from events import Event
from messaging.unit_of_work import UnitOfWork
from runtime.logs import log_context

NO_ORDER = UUID(int=0)  # what an orderless event sorts as
Handler = Callable[[Event, UnitOfWork], Awaitable[None]]
BatchHandler = Callable[[list[Event], UnitOfWork], Awaitable[None]]


class EventFailed(Exception):
    """`error` was raised applying `event`: that event alone is retried or dead-lettered, the rest of
    its batch is applied again without it (and the failure costs the event one attempt, not more)."""

    def __init__(self, event: Event, error: Exception) -> None:
        super().__init__(f"{event.event_type} {event.event_id}: {error!r}")
        self.event, self.error = event, error


def by_order(events: list[Event]) -> list[Event]:
    """Sorted by order id; a stable sort, so one order's events keep their arrival order. Events that
    belong to no order (order_id None) come first."""
    return sorted(events, key=lambda e: (e.order_id is not None, e.order_id or NO_ORDER))


def one_by_one(handlers: Mapping[str, Handler]) -> BatchHandler:
    """A batch handler made of per-event handlers: each event in order id order, all in the caller's
    transaction."""

    async def apply(events: list[Event], uow: UnitOfWork) -> None:
        for event in by_order(events):
            with log_context(event.order_id, event.event_id):
                try:
                    await handlers[event.event_type](event, uow)
                except Exception as exc:
                    raise EventFailed(event, exc) from exc

    return apply
