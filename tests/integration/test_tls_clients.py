"""TLS to Redis and RabbitMQ, as settings: inventory's Redis client takes `rediss://` with the CA file
in REDIS_URL (`ssl_ca_certs=`) and its password, and runs against a TLS-only redis-server; aio-pika
takes `amqps://` with the CA file in RABBITMQ_URL (`cafile=`). Each verifies the server's
certificate: a CA that did not sign it is refused."""

import asyncio
import secrets
import ssl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aio_pika
import pytest
import pytest_asyncio
import redis.asyncio as redis

from inventory.availability.redis_gate import connect as connect_redis
from stack.infra import Infra
from stack.isolated import isolated_stack
from stack.wait import eventually
from tests.support import provision
from tests.support.tls import Authority
from tests.support.tls_redis import TlsRedis


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("certs")
    ca, other = Authority.make(directory, "saga-test-ca"), Authority.make(directory, "another-ca")
    cert, key = ca.issue(directory, "server")
    return {"ca": ca.cert, "other_ca": other.cert, "cert": cert, "key": key}


@pytest.fixture
def tls_redis(tmp_path: Path, certs: dict[str, Path]) -> Iterator[TlsRedis]:
    if reason := provision.missing("redis-server", "runs a TLS-only redis-server,"):
        pytest.skip(reason)
    server = TlsRedis(tmp_path, certs["cert"], certs["key"], secrets.token_hex(12))
    server.start()
    yield server
    server.stop()


async def _ping(url: str) -> bool:
    client = connect_redis(url, 2.0, 2)
    try:
        return bool(await client.ping())
    finally:
        await client.aclose()


async def test_the_redis_client_verifies_the_server_and_logs_in(tls_redis: TlsRedis, certs) -> None:
    await eventually(lambda: _ping(tls_redis.url(certs["ca"])), 10, 0.1, "TLS redis answers")
    with pytest.raises(redis.ConnectionError, match="certificate verify failed"):
        await _ping(tls_redis.url(certs["other_ca"]))
    with pytest.raises(redis.AuthenticationError):
        await _ping(tls_redis.url(certs["ca"], password="wrong"))


async def test_inventory_is_ready_on_a_tls_redis(infra: Infra, tls_redis: TlsRedis, certs) -> None:
    url = tls_redis.url(certs["ca"])
    await eventually(lambda: _ping(url), 10, 0.1, "TLS redis answers")
    async with isolated_stack(infra, {"REDIS_URL": url}, start=False) as stack:
        await stack.start("inventory")  # /ready checks Redis too


@pytest_asyncio.fixture
async def tls_listener(certs) -> AsyncIterator[tuple[int, list[bytes]]]:
    """A TLS server with the CA's certificate that records what a client sends once the handshake is
    done (an AMQP client's first bytes are its protocol header), then hangs up."""
    received: list[bytes] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certs["cert"], certs["key"])

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            received.append(await asyncio.wait_for(reader.readexactly(8), 5))
        except (asyncio.IncompleteReadError, TimeoutError, OSError):
            pass
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=context)
    async with server:
        yield server.sockets[0].getsockname()[1], received


async def test_aio_pika_speaks_amqp_over_tls_checked_against_the_ca_file(tls_listener, certs) -> None:
    port, received = tls_listener
    with pytest.raises(aio_pika.exceptions.AMQPConnectionError, match="unexpectedly closed"):  # no broker
        await aio_pika.connect(f"amqps://u:p@127.0.0.1:{port}/?cafile={certs['ca']}", timeout=5)
    assert received == [b"AMQP\x00\x00\x09\x01"]  # the header went through the verified TLS session

    received.clear()
    with pytest.raises(aio_pika.exceptions.AMQPConnectionError, match="certificate verify failed"):
        await aio_pika.connect(f"amqps://u:p@127.0.0.1:{port}/?cafile={certs['other_ca']}", timeout=5)
    assert received == []
