"""Acknowledging many deliveries with one frame, never one that is still being worked on.

A channel numbers its deliveries 1, 2, 3...; `basic.ack(tag, multiple=True)` settles every unsettled
delivery up to `tag`. Batches finish out of order (two workers, retries), so a committed delivery is
acked only once every delivery before it on its channel is settled too: committed (and waiting here
for this one multiple-ack), or settled on its own (a retry or DLQ copy confirmed and the original
acked, or a nack). One ack frame per batch instead of one per message, and never an ack for a delivery
whose transaction has not committed.
"""

import asyncio
import contextlib
from collections import OrderedDict
from weakref import WeakKeyDictionary

from aio_pika.abc import AbstractIncomingMessage

_OPEN, _COMMITTED, _SETTLED = 0, 1, 2
Window = OrderedDict[int, tuple[int, AbstractIncomingMessage]]  # tag -> (state, delivery), in tag order


def _channel(message: AbstractIncomingMessage) -> object | None:
    """The channel the delivery came on, None once it is closed (its deliveries go back to the queue)."""
    try:
        return message.channel
    except Exception:  # aio-pika raises ChannelInvalidStateError for a closed channel
        return None


class AckWindow:
    def __init__(self) -> None:
        # per channel: a reconnect makes a new channel, numbering its deliveries from 1 again
        self._windows: WeakKeyDictionary[object, Window] = WeakKeyDictionary()
        # acks leave in tag order: a lower multiple-ack overtaken by a higher one would name a tag the
        # broker no longer knows, and the broker closes the channel for that
        self._sending = asyncio.Lock()

    def opened(self, message: AbstractIncomingMessage) -> None:
        """A delivery arrived; it holds back the acks of later ones until it is settled. (A message without
        a delivery tag came from no basic.deliver: nothing to ack, so it is not tracked.)"""
        channel = _channel(message)
        if channel is not None and message.delivery_tag is not None:
            self._windows.setdefault(channel, OrderedDict())[message.delivery_tag] = (_OPEN, message)

    async def commit(self, messages: list[AbstractIncomingMessage]) -> None:
        """These deliveries' effects are committed: ack them, with every settled delivery before them, in
        one frame per channel; they wait if an earlier delivery on their channel is still open."""
        for m in messages:
            self._mark(m, _COMMITTED)
        for channel in {_channel(m) for m in messages} - {None}:
            await self._flush(channel)

    async def settled(self, message: AbstractIncomingMessage) -> None:
        """This delivery was acked or nacked on its own; committed ones after it may go now."""
        channel = self._mark(message, _SETTLED)
        if channel is not None:
            await self._flush(channel)

    async def abandon(self, messages: list[AbstractIncomingMessage], delay_s: float = 0.0) -> None:
        """Something left these unsettled: give the ones still open back to the broker, `delay_s` from now,
        so that they are redelivered and do not hold back the acks of the deliveries after them."""
        if delay_s > 0 and any(self._is_open(m) for m in messages):
            await asyncio.sleep(delay_s)
        for m in messages:
            if self._is_open(m):  # never twice: a second nack of a tag makes the broker close the channel
                with contextlib.suppress(Exception):
                    await m.nack(requeue=True)
                await self.settled(m)

    def _is_open(self, message: AbstractIncomingMessage) -> bool:
        _, window = self._window_of(message)
        entry = (
            window.get(message.delivery_tag)
            if window is not None and message.delivery_tag is not None
            else None
        )
        return entry is not None and entry[0] == _OPEN

    def _window_of(self, message: AbstractIncomingMessage) -> tuple[object | None, Window | None]:
        channel = _channel(message)
        return channel, self._windows.get(channel) if channel is not None else None

    def _mark(self, message: AbstractIncomingMessage, state: int) -> object | None:
        channel, window = self._window_of(message)
        tag = message.delivery_tag
        if window is None or tag is None or tag not in window:
            return None
        window[tag] = (state, message)
        return channel

    async def _flush(self, channel: object) -> None:
        async with self._sending:
            window = self._windows.get(channel)
            last = None
            while window:
                state, m = next(iter(window.values()))
                if state == _OPEN:
                    break
                window.popitem(last=False)
                if state == _COMMITTED:
                    last = m
            if last is not None:
                await last.ack(multiple=True)
