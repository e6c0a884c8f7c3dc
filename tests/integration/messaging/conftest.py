"""Each messaging test gets its own RabbitMQ vhost (the whole topology declared in it) and its own
database, cloned from a template migrated once with the messaging tables plus a tiny `effects` table."""

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aio_pika
import asyncpg
import pytest_asyncio
from aio_pika.abc import AbstractRobustConnection

from events import SERVICES
from messaging.consumer import Consumer
from messaging.declare import declare_topology
from messaging.publisher import Publisher, connection_user
from stack.infra import Infra, create_vhost, delete_vhost, run_id
from tests.integration.messaging.recorder import Recorder
from tests.support.databases import cloned_database, template_database

MIGRATIONS = Path(__file__).parent / "migrations"
SERVICE = "shipping"  # a real consumer name: Consumer.start() checks the handlers against its subscriptions


@pytest_asyncio.fixture(scope="session")
async def template_db(infra: Infra) -> AsyncIterator[str]:
    async with template_database(infra, "msgtpl", MIGRATIONS) as name:
        yield name


@pytest_asyncio.fixture
async def db_url(infra: Infra, template_db: str) -> AsyncIterator[str]:
    async with cloned_database(infra, template_db, "msg") as url:
        yield url


@pytest_asyncio.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(db_url, min_size=1, max_size=8, command_timeout=10) as p:
        yield p


@pytest_asyncio.fixture
async def broker(infra: Infra) -> AsyncIterator[AbstractRobustConnection]:
    """A connection to a fresh vhost holding the whole topology."""
    vhost = f"msg-test-{run_id()}"
    url = await create_vhost(infra, vhost)
    connection = await aio_pika.connect_robust(url, timeout=10)
    try:
        async with connection.channel() as channel:
            await declare_topology(channel)
        yield connection
    finally:
        await connection.close()
        await delete_vhost(infra, vhost)


@pytest_asyncio.fixture
async def publisher(broker: AbstractRobustConnection) -> Publisher:
    return Publisher(broker, timeout_s=5)


@pytest_asyncio.fixture
async def recorder() -> Recorder:
    return Recorder()


ConsumerFactory = Callable[..., Awaitable[Consumer]]


def admin_publishers(broker: AbstractRobustConnection) -> dict[str, str]:
    """These tests publish as the infrastructure's administrator: every producer is that user here."""
    return dict.fromkeys(SERVICES, connection_user(broker) or "")


@pytest_asyncio.fixture
async def start_consumer(broker, pool, publisher, recorder) -> AsyncIterator[ConsumerFactory]:
    """Start a Consumer for the test service with the recorder's handlers; stopped at teardown."""
    started: list[Consumer] = []

    async def start(
        handlers: dict | None = None, publisher: Publisher = publisher, **overrides: object
    ) -> Consumer:
        options = {
            "prefetch": 10,
            "max_attempts": 3,
            "retry_base_delay_ms": 20,
            "handler_timeout_s": 5,
            **overrides,
        }
        consumer = Consumer(
            broker,
            pool,
            publisher,
            SERVICE,
            handlers or recorder.handlers(),
            publishers=admin_publishers(broker),
            **options,
        )
        await consumer.start()
        started.append(consumer)
        return consumer

    yield start
    for consumer in started:
        await consumer.stop(timeout_s=5)
