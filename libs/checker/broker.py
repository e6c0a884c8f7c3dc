"""Live queue depths and consumer counts, read with passive declares (the management API's figures
lag by its statistics interval)."""

from dataclasses import dataclass

import aio_pika

from messaging.topology import BINDINGS


@dataclass(frozen=True)
class QueueState:
    name: str
    messages: int  # ready (not counting unacked deliveries)
    consumers: int


async def queue_states(amqp_url: str) -> list[QueueState]:
    connection = await aio_pika.connect(amqp_url, timeout=10)
    try:
        states = []
        channel = await connection.channel()
        for b in BINDINGS:
            for name in (b.queue, b.retry_queue, b.dlq):
                try:
                    q = await channel.declare_queue(name, passive=True)
                except aio_pika.exceptions.ChannelClosed:
                    channel = await connection.channel()  # a missing queue closes the channel
                    continue
                ok = q.declaration_result
                # a Declare-Ok always carries both counts (pamqp types them optional for its constructor)
                if ok.message_count is None or ok.consumer_count is None:
                    raise RuntimeError(
                        f"{name}: the broker's Declare-Ok carries no message or consumer count"
                    )
                states.append(QueueState(name, ok.message_count, ok.consumer_count))
        return states
    finally:
        await connection.close()
