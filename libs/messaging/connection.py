"""A RabbitMQ connection that recovers by itself (connect_robust), waited for at start-up."""

import asyncio
import logging
import time

import aio_pika
from aio_pika.abc import AbstractRobustConnection

log = logging.getLogger(__name__)


async def connect(url: str, startup_timeout_s: float, name: str) -> AbstractRobustConnection:
    deadline = time.monotonic() + startup_timeout_s
    while True:
        try:
            return await aio_pika.connect_robust(
                url, timeout=10, client_properties={"connection_name": name}, reconnect_interval=1
            )
        except (TimeoutError, OSError, aio_pika.exceptions.AMQPError) as exc:
            if time.monotonic() > deadline:
                raise
            log.warning("broker not ready, retrying", extra={"error": repr(exc)})
            await asyncio.sleep(1)
