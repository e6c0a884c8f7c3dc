"""The ack window: one multiple-ack per batch, never covering a delivery that is still being worked on."""

import asyncio
import random

import pytest

from messaging.acks import AckWindow


class Channel:
    def __init__(self) -> None:
        self.is_closed = False
        self.frames: list[tuple[str, int, bool]] = []


class Message:
    """What the window uses of aio-pika's IncomingMessage; a closed channel raises, as aio-pika's does."""

    def __init__(self, channel: Channel, tag: int, ack_pauses: int = 0) -> None:
        self._channel, self.delivery_tag, self._pauses = channel, tag, ack_pauses

    @property
    def channel(self) -> Channel:
        if self._channel.is_closed:
            raise RuntimeError("channel closed")
        return self._channel

    async def ack(self, multiple: bool = False) -> None:
        for _ in range(self._pauses):  # the frame buffer is full: the writer waits its turn
            await asyncio.sleep(0)
        self.channel.frames.append(("ack", self.delivery_tag, multiple))

    async def nack(self, requeue: bool = True) -> None:
        self.channel.frames.append(("nack", self.delivery_tag, requeue))


def deliveries(window: AckWindow, channel: Channel, n: int, **kw) -> list[Message]:
    messages = [Message(channel, tag, **kw) for tag in range(1, n + 1)]
    for m in messages:
        window.opened(m)
    return messages


async def test_a_batch_is_acked_in_one_frame():
    window, ch = AckWindow(), Channel()
    m = deliveries(window, ch, 50)
    await window.commit(m)
    assert ch.frames == [("ack", 50, True)]


async def test_a_batch_committed_before_an_earlier_one_waits_for_it():
    window, ch = AckWindow(), Channel()
    m = deliveries(window, ch, 6)
    await window.commit(m[3:])
    assert ch.frames == []  # 1-3 are still being worked on: acking 6 "multiple" would settle them too
    await window.commit(m[:3])
    assert ch.frames == [("ack", 6, True)]


async def test_a_delivery_settled_on_its_own_is_skipped_not_acked_again():
    window, ch = AckWindow(), Channel()
    m = deliveries(window, ch, 4)
    await window.commit([m[3]])
    await window.settled(m[1])  # its retry copy was confirmed and it was acked by itself
    await window.commit([m[2]])
    assert ch.frames == []
    await window.commit([m[0]])
    assert ch.frames == [("ack", 4, True)]
    m5 = deliveries(window, ch, 5)[4]
    await window.settled(m5)
    assert ch.frames == [("ack", 4, True)]  # nothing committed left to ack


async def test_abandoned_deliveries_are_nacked_if_open_and_left_alone_if_committed():
    window, ch = AckWindow(), Channel()
    m = deliveries(window, ch, 3)
    await window.commit([m[2]])
    await window.abandon(m)
    assert ("nack", 1, True) in ch.frames and ("nack", 2, True) in ch.frames
    assert ("nack", 3, True) not in ch.frames
    assert ch.frames[-1] == ("ack", 3, True)  # the committed one goes as soon as those before it are settled


async def test_a_closed_channel_sends_nothing_and_a_new_channel_starts_its_own_window():
    window, old = AckWindow(), Channel()
    m = deliveries(window, old, 3)
    old.is_closed = True  # the broker requeues its unacked deliveries itself
    await window.commit(m)
    await window.abandon(m)
    assert old.frames == []
    new = Channel()
    m2 = deliveries(window, new, 2)
    await window.commit(m2)
    assert new.frames == [("ack", 2, True)]


@pytest.mark.parametrize("seed", range(20))
async def test_acks_leave_in_tag_order_even_when_sending_waits(seed: int):
    """Two workers' batches finish at once and the writer makes each ack wait: a lower multiple-ack
    sent after a higher one would name a tag the broker no longer knows (it closes the channel)."""
    rng = random.Random(seed)
    window, ch = AckWindow(), Channel()
    m = [Message(ch, tag, ack_pauses=rng.randrange(4)) for tag in range(1, 41)]
    for x in m:
        window.opened(x)
    batches = [m[i : i + 5] for i in range(0, 40, 5)]
    rng.shuffle(batches)
    await asyncio.gather(*(window.commit(b) for b in batches))
    tags = [t for _, t, _ in ch.frames]
    assert tags == sorted(tags) and len(set(tags)) == len(tags)
    assert tags[-1] == 40
