"""A sweeper in a process of its own, for the test that runs two at once:
`python -m tests.integration.inventory.sweeper_process DB_URL REDIS_URL PREFIX scan|index BATCH`.
Sweeps until a round finds nothing due, then prints how many reservations it expired."""

import asyncio
import sys

import asyncpg

from inventory.reservations.expiry import sweep
from tests.integration.inventory.support import make_projection


async def main(db_url: str, redis_url: str, prefix: str, mode: str, batch: int) -> int:
    projection = make_projection(redis_url, prefix, timeout_s=1.0)
    total = 0
    async with asyncpg.create_pool(db_url, min_size=1, max_size=2) as pool:
        while n := await sweep(pool, projection, batch, scan=mode == "scan"):
            total += n
    await projection.cache.gate.close()
    return total


if __name__ == "__main__":
    db_url, redis_url, prefix, mode, batch = sys.argv[1:]
    print(asyncio.run(main(db_url, redis_url, prefix, mode, int(batch))))
