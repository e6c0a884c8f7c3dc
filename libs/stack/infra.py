"""Where the tests find PostgreSQL, RabbitMQ and Redis, and how each run gets its own copies.

For the tests, tests/support/provision.py chooses between these and throwaway containers. Here the
URLs come from the environment (TEST_PG_URL, TEST_AMQP_URL, TEST_RABBITMQ_API, TEST_REDIS_URL) and
default to the local services. Each run gets its own RabbitMQ vhost and its own databases, so tests
never see each other or a running `make up`.
"""

import base64
import os
import uuid
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import aiohttp
import asyncpg
import redis.asyncio as redis

# Infra's field -> the variable that sets it, and the local service it defaults to
LOCAL = {
    "pg_url": ("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    "amqp_url": ("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
    "rabbitmq_api": ("TEST_RABBITMQ_API", "http://guest:guest@127.0.0.1:15672"),
    "redis_url": ("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
}
URL_VARIABLES = tuple(variable for variable, _ in LOCAL.values())


@dataclass(frozen=True)
class Infra:
    pg_url: str  # a server URL; the path names the maintenance database
    amqp_url: str  # the broker, without vhost
    rabbitmq_api: str  # management HTTP API, with credentials
    redis_url: str

    @classmethod
    def from_env(cls) -> "Infra":
        return cls(**{name: os.environ.get(variable, local) for name, (variable, local) in LOCAL.items()})

    def database_url(self, name: str) -> str:
        return urlunsplit(urlsplit(self.pg_url)._replace(path=f"/{name}"))

    def vhost_url(self, vhost: str) -> str:
        return self.amqp_url.rstrip("/") + "/" + quote(vhost, safe="")


def run_id() -> str:
    return uuid.uuid4().hex[:8]


async def _api(infra: Infra, method: str, path: str, json: object = None) -> object:
    parts = urlsplit(infra.rabbitmq_api)
    token = base64.b64encode(f"{parts.username or 'guest'}:{parts.password or 'guest'}".encode()).decode()
    base = f"{parts.scheme}://{parts.hostname}:{parts.port}"
    async with aiohttp.ClientSession(headers={"Authorization": f"Basic {token}"}) as http:
        async with http.request(method, base + path, json=json) as resp:
            if resp.status >= 400 and not (method == "DELETE" and resp.status == 404):
                raise RuntimeError(f"RabbitMQ API {method} {path}: {resp.status} {await resp.text()}")
            return await resp.json() if resp.content_type == "application/json" else None


async def rabbitmq_api(infra: Infra, method: str, path: str, json: object = None) -> object:
    return await _api(infra, method, path, json)


async def create_vhost(infra: Infra, vhost: str) -> str:
    q = quote(vhost, safe="")
    await _api(infra, "PUT", f"/api/vhosts/{q}")
    user = urlsplit(infra.amqp_url).username or "guest"
    await _api(infra, "PUT", f"/api/permissions/{q}/{user}", {"configure": ".*", "write": ".*", "read": ".*"})
    return infra.vhost_url(vhost)


async def delete_vhost(infra: Infra, vhost: str) -> None:
    await _api(infra, "DELETE", f"/api/vhosts/{quote(vhost, safe='')}")


async def drop_databases(infra: Infra, prefix: str) -> None:
    conn = await asyncpg.connect(infra.pg_url)
    try:
        names = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", prefix + "%")
        for row in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await conn.close()


async def delete_redis_keys(url: str, prefix: str) -> None:
    client = redis.from_url(url)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
