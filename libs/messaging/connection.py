"""A RabbitMQ connection that recovers by itself (connect_robust), waited for at start-up."""

import aio_pika
from aio_pika.abc import AbstractRobustConnection

from runtime.retry import until_ready


async def connect(url: str, startup_timeout_s: float, name: str) -> AbstractRobustConnection:
    return await until_ready(
        lambda: aio_pika.connect_robust(
            url, timeout=10, client_properties={"connection_name": name}, reconnect_interval=1
        ),
        "broker",
        (TimeoutError, OSError, aio_pika.exceptions.AMQPError),
        startup_timeout_s,
    )
