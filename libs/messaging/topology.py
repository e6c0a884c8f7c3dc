"""The broker topology as data: exchanges, per-consumer queues with their retry and dead-letter queues,
and the bindings between them. One description, read by the definitions document (messaging.definitions),
by the declaring function operators and tests use (messaging.declare) and by the start-up check
(messaging.presence), so the three never disagree.
"""

from dataclasses import dataclass
from typing import Any

from events import (
    CONSUMERS,
    SERVICES,
    dlq_name,
    exchange_name,
    producer_of,
    queue_name,
    retry_exchange_name,
    retry_queue_name,
)

DEFAULT_EXCHANGE = ""  # where a `.retry` queue dead-letters an expired message: back to its work queue


@dataclass(frozen=True)
class Binding:
    consumer: str
    event_type: str

    @property
    def exchange(self) -> str:
        return exchange_name(producer_of(self.event_type))

    @property
    def producer(self) -> str:
        return producer_of(self.event_type)

    @property
    def queue(self) -> str:
        return queue_name(self.consumer, self.event_type)

    @property
    def retry_exchange(self) -> str:
        return retry_exchange_name(self.consumer)

    @property
    def retry_queue(self) -> str:
        return retry_queue_name(self.queue)

    @property
    def dlq(self) -> str:
        return dlq_name(self.queue)


BINDINGS: tuple[Binding, ...] = tuple(
    Binding(consumer, event_type) for consumer, types in CONSUMERS.items() for event_type in types
)


def bindings_of(consumer: str) -> tuple[Binding, ...]:
    return tuple(b for b in BINDINGS if b.consumer == consumer)


@dataclass(frozen=True)
class Exchange:
    name: str
    type: str  # topic | direct


@dataclass(frozen=True)
class Queue:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Route:
    exchange: str
    queue: str
    routing_key: str


@dataclass(frozen=True)
class Layout:
    exchanges: tuple[Exchange, ...]
    queues: tuple[Queue, ...]
    routes: tuple[Route, ...]


def layout(queue_type: str = "classic") -> Layout:
    """The whole topology: each service's topic exchange and retry exchange, and per binding the work
    queue, its `.retry` queue and its `.dlq`."""
    kind = {"x-queue-type": queue_type}
    exchanges = [Exchange(exchange_name(s), "topic") for s in SERVICES]
    exchanges += [Exchange(retry_exchange_name(s), "direct") for s in SERVICES if s in CONSUMERS]
    queues: list[Queue] = []
    routes: list[Route] = []
    for b in BINDINGS:
        # a retry waits in `.retry` for its per-message expiration, then dead-letters back to the queue
        retry_args = {
            **kind,
            "x-dead-letter-exchange": DEFAULT_EXCHANGE,
            "x-dead-letter-routing-key": b.queue,
        }
        queues += [Queue(b.queue, kind), Queue(b.retry_queue, retry_args), Queue(b.dlq, kind)]
        routes += [
            Route(b.exchange, b.queue, b.event_type),
            Route(b.retry_exchange, b.retry_queue, b.retry_queue),
            Route(b.retry_exchange, b.dlq, b.dlq),
        ]
    return Layout(tuple(exchanges), tuple(queues), tuple(routes))


def needed_by(service: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(exchanges, queues) a service uses: its own two exchanges, and its queues with their retry and DLQ."""
    exchanges = (exchange_name(service), retry_exchange_name(service))
    queues = tuple(q for b in bindings_of(service) for q in (b.queue, b.retry_queue, b.dlq))
    return exchanges, queues
