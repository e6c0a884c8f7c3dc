"""The start-up check: a service logs in as its own broker user, and every exchange and queue it uses is
there (passive declarations, which need no permission). The service declares nothing (its user may
configure nothing), so a missing piece means the definitions were not imported; it refuses to start,
naming what is missing."""

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection

from messaging.publisher import connection_user
from messaging.topology import needed_by
from messaging.users import user_name


class TopologyMissing(RuntimeError):
    """Exchanges or queues a service needs are not on the broker."""


async def missing(connection: AbstractConnection, service: str) -> list[str]:
    """What `service` needs and the broker lacks, as `exchange NAME` / `queue NAME`."""
    exchanges, queues = needed_by(service)
    wanted = [("exchange", name) for name in exchanges] + [("queue", name) for name in queues]
    absent: list[str] = []
    channel: AbstractChannel | None = None
    try:
        for kind, name in wanted:
            if channel is None or channel.is_closed:  # a NOT_FOUND closes the channel
                channel = await connection.channel()
            try:
                if kind == "exchange":
                    await channel.get_exchange(name, ensure=True)
                else:
                    await channel.get_queue(name, ensure=True)
            except aio_pika.exceptions.ChannelNotFoundEntity:
                absent.append(f"{kind} {name}")
    finally:
        if channel is not None and not channel.is_closed:
            await channel.close()
    return absent


async def check_topology(connection: AbstractConnection, service: str) -> None:
    """Raise TopologyMissing naming every exchange and queue `service` needs that is not there."""
    absent = await missing(connection, service)
    if absent:
        raise TopologyMissing(
            f"{service}: the broker lacks {len(absent)} of the exchanges and queues this service uses: "
            f"{', '.join(absent)}. Import the definitions first (`make up` does; "
            "`python -m messaging.definitions --help`), then start the service again."
        )


async def check_broker(connection: AbstractConnection, service: str, user_prefix: str) -> None:
    """Its own user (its events carry that user_id; with any other, every consumer refuses them), and
    its topology there; raises saying what is wrong."""
    own, login = user_name(user_prefix, service), connection_user(connection)
    if login != own:
        raise RuntimeError(
            f"{service}: RABBITMQ_URL logs in as {login!r}; this service publishes as its own broker"
            f" user {own!r} (RABBITMQ_USER_PREFIX + service name)"
        )
    await check_topology(connection, service)
