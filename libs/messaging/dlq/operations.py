"""What an operator does with a DLQ, over AMQP: count, list, find, replay, purge.

Browsing takes messages with basic.get and does not ack them; closing the channel hands every message
not acked back to the broker, which puts it back in its place. A replay publishes a copy with
publisher confirms and `mandatory`, and acks the DLQ copy only after the broker confirmed: a crash in
between leaves the message in the DLQ as well (the consumers' inbox absorbs the second copy if it is
replayed again), never in neither place. A replay is published in the producer's name (its `user_id`),
whereas the consumer that dead-lettered it published the DLQ copy: the tool's user must be an
`impersonator` (the operator).
"""

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from aio_pika.abc import AbstractConnection, AbstractIncomingMessage

from messaging.dlq.letters import DEAD_LETTER_HEADERS, DeadLetter, from_message
from messaging.publisher import Publisher
from messaging.users import DEFAULT_USER_PREFIX, user_name

GET_TIMEOUT_S = 5.0
Held = list[tuple[AbstractIncomingMessage, DeadLetter]]


@contextlib.asynccontextmanager
async def _holding(connection: AbstractConnection, dlq: str, limit: int) -> AsyncIterator[Held]:
    channel = await connection.channel()
    try:
        queue = await channel.declare_queue(dlq, passive=True)
        # only what is there now: a message dead-lettered again while we replay is not taken twice
        wanted = min(limit, queue.declaration_result.message_count or 0)
        held: Held = []
        while len(held) < wanted:
            message = await queue.get(no_ack=False, fail=False, timeout=GET_TIMEOUT_S)
            if message is None:
                break
            held.append((message, from_message(dlq, message)))
        yield held
    finally:
        if not channel.is_closed:
            await channel.close()  # the broker requeues what was not acked, in order


async def count(connection: AbstractConnection, dlq: str) -> int:
    async with connection.channel() as channel:
        queue = await channel.declare_queue(dlq, passive=True)
        return queue.declaration_result.message_count or 0


async def list_letters(connection: AbstractConnection, dlq: str, limit: int = 1000) -> list[DeadLetter]:
    async with _holding(connection, dlq, limit) as held:
        return [letter for _, letter in held]


async def find(
    connection: AbstractConnection, dlq: str, message_id: str, limit: int = 10_000
) -> DeadLetter | None:
    async with _holding(connection, dlq, limit) as held:
        return next((letter for _, letter in held if letter.message_id == message_id), None)


def _target(letter: DeadLetter, to_exchange: bool) -> tuple[str, str]:
    """The queue that gave up on it (through the default exchange), or the original exchange and key."""
    if not to_exchange:
        return "", letter.queue
    exchange, key = letter.headers.get("x-original-exchange"), letter.headers.get("x-original-routing-key")
    if not exchange or not key:
        raise ValueError(f"message {letter.message_id} has no x-original-exchange / x-original-routing-key")
    return str(exchange), str(key)


def _replay_headers(letter: DeadLetter) -> dict:
    headers = {k: v for k, v in letter.headers.items() if k not in DEAD_LETTER_HEADERS}
    replays = headers.get("x-replay-count")
    headers["x-replay-count"] = (replays if isinstance(replays, int) else 0) + 1
    headers["x-replayed-from"] = letter.dlq
    headers["x-replayed-at"] = datetime.now(UTC).isoformat()
    return headers


async def replay(
    connection: AbstractConnection,
    dlq: str,
    message_id: str | None = None,
    *,
    to_exchange: bool = False,
    limit: int = 10_000,
    publish_timeout_s: float = 10.0,
    user_prefix: str = DEFAULT_USER_PREFIX,
    on_replayed: Callable[[DeadLetter], None] | None = None,
) -> list[DeadLetter]:
    """Send one message (by id) or every message of `dlq` back; returns what was replayed.

    The copy starts afresh (attempt 1, dead-letter headers dropped) and carries x-replay-count. A publish
    that fails raises, leaving that message and every one after it in the DLQ.
    """
    publisher = Publisher(connection, publish_timeout_s)  # type: ignore[arg-type]  # any connection will do
    replayed: list[DeadLetter] = []
    async with _holding(connection, dlq, limit) as held:
        for message, letter in held:
            if message_id is not None and letter.message_id != message_id:
                continue
            exchange, routing_key = _target(letter, to_exchange)
            await publisher.publish(
                exchange,
                routing_key,
                message.body,
                message_id=message.message_id or "",
                headers=_replay_headers(letter),
                correlation_id=message.correlation_id,
                user_id=user_name(user_prefix, letter.producer),
            )
            await message.ack()
            replayed.append(letter)
            if on_replayed:
                on_replayed(letter)
    return replayed


async def purge(connection: AbstractConnection, dlq: str, message_id: str | None = None) -> int:
    """Drop one message (by id) or all of `dlq`; returns how many were dropped."""
    if message_id is None:
        async with connection.channel() as channel:
            queue = await channel.declare_queue(dlq, passive=True)
            result = await queue.purge()
            return (result.message_count or 0) if result is not None else 0
    async with _holding(connection, dlq, 10_000) as held:
        for message, letter in held:
            if letter.message_id == message_id:
                await message.ack()
                return 1
    return 0
