"""`make bench-inventory`: availability reads per second from the Redis cache and from PostgreSQL, and
what a read costs while Redis hangs (SIGSTOP) and until the cache is used again.

It runs two inventory processes of its own on one database and RabbitMQ vhost (never the `make up`
system): one with a private redis-server it may freeze, one whose Redis is a closed port (its circuit
stays open, so every read goes to PostgreSQL). The machine is shared, so the two are measured in
alternating one-second windows: whatever else runs slows both alike. Prints one JSON document.

    python -m bench.inventory_reads --rounds 10 --concurrency 32 --products 200
"""

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import aiohttp
import asyncpg

from bench.stats import summary
from inventory.availability import reads
from inventory.availability.projection import Projection
from inventory.availability.reconcile import reconcile
from inventory.availability.redis_gate import RedisGate
from inventory.settings import InventorySettings
from inventory.stock import queries
from stack.broker_users import create_broker_users, delete_broker_users
from stack.infra import Infra, create_vhost, delete_vhost, drop_databases, run_id
from stack.redis_server import PrivateRedis
from stack.supervisor import Stack, free_port
from stack.wait import eventually

Read = Callable[[UUID], Awaitable[str]]  # reads one product, returns where the answer came from


@dataclass
class Reads:
    """What windows of one kind of read saw, added up."""

    latencies: list[float] = field(default_factory=list)  # ms
    sources: dict[str, int] = field(default_factory=dict)  # where the answers came from
    seconds: float = 0.0

    def figures(self) -> dict:
        return {
            "reads_per_s": round(len(self.latencies) / self.seconds, 1),
            "sources": self.sources,
            "latency_ms": summary(self.latencies),
        }


async def window(
    read: Read, ids: list[UUID], seconds: float, concurrency: int, rng: random.Random, into: Reads
) -> None:
    """`concurrency` workers calling `read` for `seconds`; latencies (ms) and sources added to `into`."""
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            source = await read(rng.choice(ids))
            into.latencies.append((time.perf_counter() - started) * 1000)
            into.sources[source] = into.sources.get(source, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    into.seconds += time.perf_counter() - started


async def alternate(
    reads: dict[str, Read], ids: list[UUID], rounds: int, seconds: float, concurrency: int, rng: random.Random
) -> dict:
    acc = {name: Reads() for name in reads}
    for r in range(rounds):
        for name in list(reads) if r % 2 == 0 else list(reversed(reads)):
            await window(reads[name], ids, seconds, concurrency, rng, acc[name])
    out = {name: a.figures() for name, a in acc.items()}
    first, second = list(out)
    out[f"ratio_{first}_to_{second}"] = round(out[first]["reads_per_s"] / out[second]["reads_per_s"], 2)
    return out


def http_read(http: aiohttp.ClientSession, base: str) -> Read:
    async def read(product_id: UUID) -> str:
        async with http.get(f"{base}/inventory/{product_id}") as r:
            await r.read()
            return r.headers.get("X-Availability-Source", "?") if r.status == 200 else f"http {r.status}"

    return read


async def recovery_s(read: Read, product_id: UUID, timeout: float = 60) -> float:
    started = time.perf_counter()
    await eventually(lambda: _is_cache(read, product_id), timeout, 0.05, "cache used again")
    return round(time.perf_counter() - started, 2)


async def _is_cache(read: Read, product_id: UUID) -> bool:
    return await read(product_id) == "cache"


async def measure(
    cache_stack: Stack, pg_stack: Stack, redis: PrivateRedis, args: argparse.Namespace, rng: random.Random
) -> dict:
    ids = [UUID(int=rng.getrandbits(128)) for _ in range(args.products)]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        for p in ids:
            async with http.put(
                f"{cache_stack.url('inventory')}/inventory/{p}",
                json={"name": "b", "quantity": 9},
                headers=cache_stack.tokens.headers(),  # a stock write: an operator's token
            ) as r:
                assert r.status == 201, await r.text()
        via_cache, via_pg = (
            http_read(http, cache_stack.url("inventory")),
            http_read(http, pg_stack.url("inventory")),
        )
        reads = {"cache": via_cache, "postgresql": via_pg}
        await alternate(reads, ids, 1, 1, args.concurrency, rng)  # warm-up
        over_http = await alternate(reads, ids, args.rounds, 1, args.concurrency, rng)
        in_process = await direct(cache_stack, redis, ids, args, rng)
        redis.freeze()
        first = []
        for p in ids[:10]:
            started = time.perf_counter()
            assert await via_cache(p) == "database"
            first.append(round((time.perf_counter() - started) * 1000, 1))
        hung = Reads()
        await window(via_cache, ids, 5, args.concurrency, rng, hung)
        redis.thaw()
        back = await recovery_s(via_cache, ids[0])
    return {
        "http": over_http,
        "in_process_no_http": in_process,
        "redis_hung": {
            "first_sequential_reads_ms": first,
            **hung.figures(),
            "cache_used_again_after_redis_returned_s": back,
        },
    }


async def direct(
    stack: Stack, redis: PrivateRedis, ids: list[UUID], args: argparse.Namespace, rng: random.Random
) -> dict:
    """The read path without HTTP: reads.read() on a trusted cache versus one SELECT."""
    # the service's own Redis settings (100 ms timeouts), on the private redis-server
    settings = InventorySettings(redis_url=redis.url, redis_key_prefix=stack.redis_prefix)
    projection = Projection.on(RedisGate.from_settings(settings))
    async with asyncpg.create_pool(stack.database_url("inventory"), min_size=8, max_size=8) as pool:
        await reconcile(pool, projection)

        async def from_cache(p: UUID) -> str:
            return (await reads.read(pool, projection.cache, [p])).source[p]

        async def from_pg(p: UUID) -> str:
            await queries.snapshots(pool, [p])
            return "database"

        out = await alternate(
            {"cache": from_cache, "postgresql": from_pg}, ids, args.rounds, 0.5, args.concurrency, rng
        )
    await projection.cache.gate.close()
    return out


async def run(args: argparse.Namespace) -> dict:
    infra, rid, rng = Infra.from_env(), run_id(), random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="bench-inventory-"))
    redis = PrivateRedis(workdir)
    await redis.start()
    vhost, prefix = f"bench-inventory-{rid}", f"benchinv_{rid}"
    amqp = await create_vhost(infra, vhost)
    users = await create_broker_users(infra, vhost, rid)  # and the topology inventory checks at start-up
    cache_stack = Stack(infra, amqp, prefix, workdir, env={"REDIS_URL": redis.url}, broker_users=users)
    (workdir / "no-redis").mkdir()
    no_redis = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    pg_stack = Stack(infra, amqp, prefix, workdir / "no-redis", env=no_redis, broker_users=users)
    try:
        await cache_stack.start("inventory")
        await pg_stack.start("inventory", wait=False)  # never /ready: its Redis is unreachable by design
        await eventually(lambda: _alive(pg_stack.url("inventory")), 60, 0.1, "no-redis inventory up")
        result = await measure(cache_stack, pg_stack, redis, args, rng)
    finally:
        redis.thaw()
        await redis.stop()
        await asyncio.gather(cache_stack.stop_all(), pg_stack.stop_all())
        await delete_vhost(infra, vhost)
        await delete_broker_users(infra, users)
        await drop_databases(infra, f"{prefix}_")
    return {
        "what": "GET /inventory/{id}: two inventory processes on one database, client on the same machine",
        "settings": {**vars(args), "redis_timeout_ms": 100, "breaker": "3 failures, 2 s open"},
        **result,
        "logs": str(workdir),
    }


async def _alive(url: str) -> bool:
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/health") as r:
            return r.status == 200
    except aiohttp.ClientError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="alternating 1 s windows per side")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    args.seed = int(time.time()) if args.seed is None else args.seed
    print(f"bench-inventory: seed={args.seed}", file=sys.stderr)
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
