"""`make bench-inventory`: availability reads per second from the Redis cache and from PostgreSQL, and
what a read costs while Redis hangs (SIGSTOP) and until the cache is trusted again.

It runs its own inventory service (own database, RabbitMQ vhost and a private redis-server it may
freeze), never the `make up` system, and prints one JSON document.

    python -m bench.inventory_reads --seconds 10 --concurrency 32 --products 200
"""

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from uuid import UUID

import aiohttp
import asyncpg

from bench.stats import summary
from inventory import availability, queries
from inventory.reconcile import reconcile
from tests.integration.inventory.support import PrivateRedis, make_projection
from tests.support.infra import Infra, create_vhost, delete_vhost, drop_databases, run_id
from tests.support.supervisor import Stack


async def load(http: aiohttp.ClientSession, url: str, ids: list[str], seconds: float, concurrency: int,
               rng: random.Random) -> dict:
    """GET /inventory/{id} from `concurrency` workers for `seconds`; latencies in ms, sources counted."""
    latencies: list[float] = []
    sources: dict[str, int] = {}
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            async with http.get(f"{url}/inventory/{rng.choice(ids)}") as r:
                await r.read()
                if r.status != 200:
                    errors += 1
                    continue
                source = r.headers.get("X-Availability-Source", "?")
            latencies.append((time.perf_counter() - started) * 1000)
            sources[source] = sources.get(source, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"reads_per_s": round(len(latencies) / elapsed, 1), "reads": len(latencies), "errors": errors,
            "sources": sources, "latency_ms": summary(latencies)}


async def in_process(db_url: str, redis_url: str, prefix: str, ids: list[str], seconds: float,
                     concurrency: int, rng: random.Random) -> dict:
    """The read path without HTTP: availability.read() against the cache, then straight PostgreSQL."""
    projection = make_projection(redis_url, prefix, timeout_s=0.1)
    uuids = [UUID(i) for i in ids]
    out = {}
    async with asyncpg.create_pool(db_url, min_size=8, max_size=8) as pool:
        await reconcile(pool, projection)
        for name, read in (("cache", lambda p: availability.read(pool, projection.cache, [p])),
                           ("postgresql", lambda p: queries.snapshots(pool, [p]))):
            out[f"{name}_reads_per_s"] = await _rate(read, uuids, seconds, concurrency, rng)
    await projection.cache.gate.close()
    return out


async def _rate(read, ids: list[UUID], seconds: float, concurrency: int, rng: random.Random) -> float:
    count, deadline = 0, time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < deadline:
            await read(rng.choice(ids))
            count += 1
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return round(count / (time.perf_counter() - started), 1)


async def first_reads_while_hung(http: aiohttp.ClientSession, url: str, ids: list[str], n: int) -> list[float]:
    """Sequential reads right after Redis froze: the first pay the Redis timeout, then the breaker opens."""
    out = []
    for product_id in ids[:n]:
        started = time.perf_counter()
        async with http.get(f"{url}/inventory/{product_id}") as r:
            await r.read()
            assert r.status == 200, r.status
        out.append(round((time.perf_counter() - started) * 1000, 1))
    return out


async def recovery_s(http: aiohttp.ClientSession, url: str, product_id: str, timeout: float = 60) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        async with http.get(f"{url}/inventory/{product_id}") as r:
            if r.headers.get("X-Availability-Source") == "cache":
                return round(time.perf_counter() - started, 2)
        await asyncio.sleep(0.05)
    return float("nan")


async def run(seconds: float, concurrency: int, products: int, seed: int) -> dict:
    infra, rid, rng = Infra.from_env(), run_id(), random.Random(seed)
    workdir = Path(tempfile.mkdtemp(prefix="bench-inventory-"))
    redis = PrivateRedis(workdir)
    await redis.start()
    vhost = f"bench-inventory-{rid}"
    stack = Stack(infra, await create_vhost(infra, vhost), f"benchinv_{rid}", workdir, env={"REDIS_URL": redis.url})
    try:
        await stack.start("inventory")
        url = stack.url("inventory")
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            ids = [str(UUID(int=rng.getrandbits(128))) for _ in range(products)]
            for product_id in ids:
                async with http.put(f"{url}/inventory/{product_id}", json={"name": "bench", "quantity": 1000}) as r:
                    assert r.status == 201, await r.text()
            await load(http, url, ids, 1, concurrency, rng)  # warm-up
            cache = await load(http, url, ids, seconds, concurrency, rng)
            direct = await in_process(stack.database_url("inventory"), redis.url, stack.redis_prefix, ids,
                                      seconds / 2, concurrency, rng)
            redis.freeze()
            first = await first_reads_while_hung(http, url, ids, 10)
            database = await load(http, url, ids, seconds, concurrency, rng)
            redis.thaw()
            recovered = await recovery_s(http, url, ids[0])
    finally:
        await redis.kill()
        await stack.stop_all()
        await delete_vhost(infra, vhost)
        await drop_databases(infra, f"benchinv_{rid}_")
    return {
        "what": "GET /inventory/{id} through HTTP on one inventory process; client on the same machine",
        "settings": {"seconds": seconds, "concurrency": concurrency, "products": products, "seed": seed,
                     "redis_timeout_ms": 100, "breaker": "3 failures, 2 s open"},
        "from_cache": cache,
        "from_postgresql_with_redis_hung": database,
        "ratio_cache_to_postgresql": round(cache["reads_per_s"] / max(database["reads_per_s"], 0.1), 2),
        "in_process_no_http": direct,
        "first_reads_after_redis_hung_ms": first,
        "cache_used_again_after_redis_returned_s": recovered,
        "logs": str(workdir),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = int(time.time()) if args.seed is None else args.seed
    print(f"bench-inventory: seed={seed}", file=sys.stderr)
    print(json.dumps(asyncio.run(run(args.seconds, args.concurrency, args.products, seed)), indent=2))


if __name__ == "__main__":
    main()
