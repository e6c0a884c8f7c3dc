"""The start-up check names every exchange and queue a service uses that is missing, all of them at once
(a NOT_FOUND closes the channel: it goes on on a new one), and nothing that is there."""

import aio_pika
import pytest

from messaging.presence import TopologyMissing, check_broker, check_topology, missing
from messaging.topology import bindings_of, needed_by


class FakeChannel:
    def __init__(self, absent: set[str]) -> None:
        self.absent, self.is_closed = absent, False

    async def _look(self, name: str) -> str:
        if name in self.absent:
            self.is_closed = True
            raise aio_pika.exceptions.ChannelNotFoundEntity(f"NOT_FOUND - no '{name}'")
        return name

    async def get_exchange(self, name: str, ensure: bool) -> str:
        return await self._look(name)

    async def get_queue(self, name: str, ensure: bool) -> str:
        return await self._look(name)

    async def close(self) -> None:
        self.is_closed = True


class FakeConnection:
    def __init__(self, absent: set[str], user: str = "saga-payment") -> None:
        self.absent, self.channels = absent, []
        self.url = type("Url", (), {"user": user})()

    async def channel(self) -> FakeChannel:
        self.channels.append(FakeChannel(self.absent))
        return self.channels[-1]


def test_a_service_needs_its_own_exchanges_and_queues() -> None:
    exchanges, queues = needed_by("payment")
    assert exchanges == ("payment.exchange", "payment.retry")
    assert len(queues) == 3 * len(bindings_of("payment")) and all(q.startswith("payment.") for q in queues)


async def test_every_missing_piece_is_named() -> None:
    connection = FakeConnection({"payment.retry", "payment.order-created.dlq", "order.exchange"})
    absent = await missing(connection, "payment")  # type: ignore[arg-type]
    assert absent == ["exchange payment.retry", "queue payment.order-created.dlq"]
    assert len(connection.channels) == 3 and all(c.is_closed for c in connection.channels)
    with pytest.raises(
        TopologyMissing, match="lacks 2 .*exchange payment.retry, queue payment.order-created.dlq"
    ):
        await check_topology(connection, "payment")  # type: ignore[arg-type]


async def test_nothing_missing_passes_on_one_channel() -> None:
    connection = FakeConnection(set())
    await check_broker(connection, "payment", "saga-")  # type: ignore[arg-type]
    assert len(connection.channels) == 1


async def test_another_user_is_refused_before_anything_is_looked_at() -> None:
    connection = FakeConnection(set(), user="guest")
    with pytest.raises(RuntimeError, match="logs in as 'guest'.*'saga-payment'"):
        await check_broker(connection, "payment", "saga-")  # type: ignore[arg-type]
    assert connection.channels == []
