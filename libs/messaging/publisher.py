"""Confirmed, mandatory, persistent publishing with a timeout: success means the broker has it.

Every message carries the AMQP `user_id` of the connection's user, which RabbitMQ verifies: a consumer
knows who published an event (messaging.trust). Only an `impersonator` (the DLQ tool's operator) may
set another one.
"""

import asyncio
from collections.abc import Mapping
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange, AbstractRobustConnection
from aiormq.exceptions import ChannelNotFoundEntity, DeliveryError
from pamqp.commands import Basic

from messaging.errors import PublishError, Refused
from runtime import metrics


def connection_user(connection: AbstractConnection) -> str | None:
    """The user a connection logged in as (its URL's), or None (a fake, an EXTERNAL login)."""
    url = getattr(connection, "url", None)
    return getattr(url, "user", None) or None


class Publisher:
    def __init__(self, connection: AbstractRobustConnection, timeout_s: float) -> None:
        self._connection = connection
        self._timeout_s = timeout_s
        self._channel: AbstractChannel | None = None
        self._exchanges: dict[str, AbstractExchange] = {}
        self._lock = asyncio.Lock()
        self.user_id: str | None = connection_user(connection)

    async def _exchange(self, name: str) -> AbstractExchange:
        if self._channel is None or self._channel.is_closed:
            async with self._lock:
                if self._channel is None or self._channel.is_closed:
                    self._channel = await self._connection.channel(
                        publisher_confirms=True, on_return_raises=True
                    )
                    self._exchanges = {}
        if name not in self._exchanges:
            # "" is the default exchange (direct to a queue by name), used for retries and DLQs
            self._exchanges[name] = (
                self._channel.default_exchange if name == "" else await self._channel.get_exchange(name)
            )
        return self._exchanges[name]

    async def publish(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        *,
        message_id: str,
        headers: Mapping[str, Any] | None = None,
        expiration_ms: int | None = None,
        correlation_id: str | None = None,
        user_id: str | None = None,
    ) -> None:
        """`user_id` other than the connection's user needs the `impersonator` tag."""
        message = aio_pika.Message(
            body,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message_id,
            correlation_id=correlation_id,
            user_id=user_id or self.user_id,
            headers=dict(headers or {}),
            expiration=expiration_ms / 1000 if expiration_ms is not None else None,
        )
        try:
            try:
                target = await self._exchange(exchange)
            except ChannelNotFoundEntity as exc:  # this message's exchange, not a channel closed under others
                raise Refused(f"no such exchange {exchange!r}: {exc}") from exc
            confirmation = await target.publish(
                message, routing_key=routing_key, mandatory=True, timeout=self._timeout_s
            )
        except DeliveryError as exc:
            raise Refused(f"unroutable or nacked: {exchange}/{routing_key}: {exc}") from exc
        except (TimeoutError, aio_pika.exceptions.AMQPError, RuntimeError, OSError) as exc:
            raise PublishError(f"publish to {exchange}/{routing_key} failed: {exc!r}") from exc
        if confirmation is not None and not isinstance(confirmation, Basic.Ack):
            raise Refused(f"broker did not ack {exchange}/{routing_key}: {confirmation!r}")
        metrics.EVENTS_PUBLISHED.labels(exchange or "(default)", routing_key if exchange else "direct").inc()
