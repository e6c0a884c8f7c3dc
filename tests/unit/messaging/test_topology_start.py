"""Start-up's topology declaration: a transient NOT_FOUND (a declare racing another connection's) is tried
again on a new channel; anything else, or the deadline passing, is raised."""

import aio_pika
import pytest

from messaging.topology import BINDINGS, declare_topology_at_start

RACE = "NOT_FOUND - home node 'rabbit@localhost' of durable queue 'q' in vhost 'v' is down or inaccessible"


class FakeQueue:
    async def bind(self, exchange: object, routing_key: str) -> None:
        pass


class FakeChannel:
    def __init__(self, error: Exception | None) -> None:
        self.error, self.declared, self.closed = error, [], False

    async def __aenter__(self) -> "FakeChannel":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.closed = True

    async def declare_exchange(self, name: str, *args: object, **kwargs: object) -> str:
        return name

    async def declare_queue(self, name: str, **kwargs: object) -> FakeQueue:
        if self.error is not None:
            raise self.error
        self.declared.append(name)
        return FakeQueue()


class FakeConnection:
    """Its first `failures` channels fail their first queue declaration with `error`."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.channels = failures, error, []

    def channel(self) -> FakeChannel:
        channel = FakeChannel(self.error if len(self.channels) < self.failures else None)
        self.channels.append(channel)
        return channel


async def test_a_transient_not_found_is_declared_again_on_a_new_channel() -> None:
    connection = FakeConnection(2, aio_pika.exceptions.ChannelNotFoundEntity(RACE))
    await declare_topology_at_start(connection, "classic", timeout_s=10, interval_s=0)
    assert len(connection.channels) == 3 and all(c.closed for c in connection.channels)
    assert len(connection.channels[-1].declared) == 3 * len(BINDINGS)  # queue, retry and DLQ of each


async def test_a_not_found_past_the_deadline_is_raised() -> None:
    connection = FakeConnection(10**6, aio_pika.exceptions.ChannelNotFoundEntity(RACE))
    with pytest.raises(aio_pika.exceptions.ChannelNotFoundEntity):
        await declare_topology_at_start(connection, "classic", timeout_s=0, interval_s=0)


async def test_any_other_refusal_is_raised_at_once() -> None:
    connection = FakeConnection(1, aio_pika.exceptions.ChannelPreconditionFailed("inequivalent arg"))
    with pytest.raises(aio_pika.exceptions.ChannelPreconditionFailed):
        await declare_topology_at_start(connection, "classic", timeout_s=10, interval_s=0)
    assert len(connection.channels) == 1
