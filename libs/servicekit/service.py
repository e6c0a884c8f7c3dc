"""The composition root every service shares: pool, broker, outbox relay, consumer, HTTP, shutdown.

A service describes itself with a ServiceSpec (its settings class, migrations, event handlers and
routes); `create_app` wires the rest, handing the service its own settings type. Resources live in aiohttp cleanup contexts, so shutdown runs in reverse:
stop consuming and finish in-flight handlers, flush the outbox, close the broker, close the pool.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import asyncpg
import uvloop
from aio_pika.abc import AbstractRobustConnection
from aiohttp import web

from messaging.batch import BatchHandler
from messaging.connection import connect
from messaging.consumer import Consumer
from messaging.outbox import OutboxRelay
from messaging.presence import check_broker
from messaging.publisher import Publisher
from messaging.tables import MIGRATIONS as MESSAGING_MIGRATIONS
from messaging.users import publishers
from runtime import metrics_http
from runtime.auth import guard as auth
from runtime.auth.verifier import AuthConfigError
from runtime.db import prepare_database
from runtime.http import READINESS, base_app
from runtime.http_server import serve
from runtime.logs import configure_logging
from runtime.settings import ServiceSettings
from runtime.tasks import background
from servicekit import idempotency

log = logging.getLogger(__name__)

POOL = web.AppKey("pool", asyncpg.Pool)
BROKER = web.AppKey("broker", AbstractRobustConnection)
PUBLISHER = web.AppKey("publisher", Publisher)
RELAY = web.AppKey("relay", OutboxRelay)
# the schema version this service writes its events in (EVENT_SCHEMA_VERSION), for what writes them
# outside the consumer: HTTP handlers, background tasks
SCHEMA_VERSION = web.AppKey("schema_version", int)


S = TypeVar("S", bound=ServiceSettings)


@dataclass(frozen=True)
class ServiceSpec(Generic[S]):
    name: str
    settings_cls: type[S]
    migrations: Path  # the service's own; its database also gets the messaging tables (`schema`)
    # applies a batch of the service's events in one transaction (messaging.batch)
    handler: Callable[[web.Application, S], BatchHandler]
    setup: Callable[[web.Application, S], None] | None = None  # routes, extra contexts, readiness checks

    @property
    def schema(self) -> tuple[Path, ...]:
        """Every migration of the service's database, in order: the messaging tables, then its own."""
        return (MESSAGING_MIGRATIONS, self.migrations)


async def _database(app: web.Application, spec: ServiceSpec[S], s: S) -> AsyncIterator[None]:
    app[POOL] = await prepare_database(s, *spec.schema)
    app[READINESS]["database"] = lambda a: a[POOL].fetchval("SELECT 1")
    yield
    await app[POOL].close()


async def _broker(app: web.Application, spec: ServiceSpec[S], s: S) -> AsyncIterator[None]:
    app[BROKER] = await connect(s.rabbitmq_url, s.startup_timeout_s, f"{spec.name}-service")
    try:
        await check_broker(app[BROKER], spec.name, s.rabbitmq_user_prefix)
    except Exception:
        await app[BROKER].close()
        raise
    app[PUBLISHER] = Publisher(app[BROKER], s.publish_timeout_s)

    async def broker_ready(a: web.Application) -> None:
        if a[BROKER].is_closed or not a[BROKER].connected.is_set():
            raise ConnectionError("broker connection is down")

    app[READINESS]["broker"] = broker_ready
    yield
    await app[BROKER].close()


async def _relay(app: web.Application, spec: ServiceSpec[S], s: S) -> AsyncIterator[None]:
    app[RELAY] = OutboxRelay(
        app[POOL],
        app[PUBLISHER],
        spec.name,
        s.outbox_batch_size,
        s.outbox_poll_interval_s,
        s.outbox_retention.total_seconds(),
        s.outbox_claim_after_s,
        retry_base_s=s.outbox_retry_base_s,
        retry_max_s=s.outbox_retry_max_s,
    )
    async with background(app[RELAY].run(), "outbox-relay"):
        yield
    try:
        async with asyncio.timeout(s.shutdown_timeout_s):
            await app[RELAY].flush()
    except Exception as exc:  # what is not flushed stays in the outbox for the next start
        log.warning("outbox not flushed at shutdown", extra={"error": repr(exc)})


async def _consumer(app: web.Application, spec: ServiceSpec[S], s: S) -> AsyncIterator[None]:
    consumer = Consumer(
        app[BROKER],
        app[POOL],
        app[PUBLISHER],
        spec.name,
        spec.handler(app, s),
        publishers=publishers(s.rabbitmq_user_prefix),
        prefetch=s.prefetch_count,
        max_attempts=s.max_delivery_attempts,
        retry_base_delay_ms=s.retry_base_delay_ms,
        handler_timeout_s=s.handler_timeout_s,
        on_commit=app[RELAY].committed,
        workers=min(s.consumer_workers, s.db_pool_max_size - 2),  # leave connections for HTTP and the relay
        batch_size=s.consumer_batch_size,
        schema_version=s.event_schema_version,
    )
    await consumer.start()
    log.info("consuming", extra={"service": spec.name})
    yield
    await consumer.stop(s.shutdown_timeout_s)


def create_app(spec: ServiceSpec[S], settings: S | None = None) -> web.Application:
    app = base_app()
    app.middlewares.append(idempotency.middleware)  # inside the error middleware: its errors are shaped
    s = settings or spec.settings_cls()
    auth.install(app, s)  # no way to verify tokens: AuthConfigError, the service does not start
    if s.metrics_token:
        app.router.add_get(metrics_http.PATH, metrics_http.guarded(s.metrics_token))
    app[SCHEMA_VERSION] = s.event_schema_version
    for ctx in (_database, _broker, _relay):
        app.cleanup_ctx.append(lambda a, ctx=ctx: ctx(a, spec, s))
    if spec.setup:
        spec.setup(app, s)
    app.cleanup_ctx.append(lambda a: _consumer(a, spec, s))  # started last, stopped first
    return app


def run(spec: ServiceSpec[S]) -> None:
    settings = spec.settings_cls()
    configure_logging(spec.name, settings.log_level)
    uvloop.install()
    try:
        app = create_app(spec, settings)
    except AuthConfigError as exc:
        raise SystemExit(f"{spec.name}-service: {exc}") from None
    metrics = (settings.metrics_host, settings.metrics_port)
    asyncio.run(serve(app, settings.http_host, settings.http_port, settings.shutdown_timeout_s, metrics))
