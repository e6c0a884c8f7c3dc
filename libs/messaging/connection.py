"""A RabbitMQ connection that recovers by itself (connect_robust), waited for at start-up.

A refused login is not waited for: the broker answers, and it will answer the same until the
credentials change, so start-up fails at once, saying which user was refused.
"""

from urllib.parse import unquote, urlsplit

import aio_pika
from aio_pika.abc import AbstractRobustConnection
from aiormq.exceptions import ProbableAuthenticationError

from runtime.retry import until_ready


class LoginRefused(RuntimeError):
    """The broker refused the user and password of RABBITMQ_URL."""


async def connect(url: str, startup_timeout_s: float, name: str) -> AbstractRobustConnection:
    async def attempt() -> AbstractRobustConnection:
        try:
            return await aio_pika.connect_robust(
                url, timeout=10, client_properties={"connection_name": name}, reconnect_interval=1
            )
        except ProbableAuthenticationError as exc:
            if "ACCESS_REFUSED" not in str(exc):  # a connection dropped during the handshake: try again
                raise
            raise LoginRefused(
                f"{name}: RabbitMQ refused the login of user {unquote(urlsplit(url).username or '')!r}: check the user and password"
                " in RABBITMQ_URL (`make up` writes them to var/local.env)"
            ) from exc

    return await until_ready(
        attempt, "broker", (TimeoutError, OSError, aio_pika.exceptions.AMQPError), startup_timeout_s
    )
