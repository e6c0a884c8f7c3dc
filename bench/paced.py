"""The floor at an offered rate: the bare hop fed at the rate a run's sagas made deliveries, and the CPU
it cost the whole machine.

`hop_per_s` measures the bare hop as fast as it goes, on a machine that never idles. At an offered rate
every delivery, confirm and round trip wakes a process that had gone to sleep, and on a virtual machine
that can cost more than the work (bench.wakeup). A saga is eight deliveries and more (its POST, its
statements, the fan-out), so eight paced bare hops are a floor for its CPU at that rate: the saga's CPU
over this floor says how much of the cost is the code's and how much the machine's. The hops run in the
benchmark's process, beside the idle services, in the bounds' private vhost and scratch database.
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bench import cpu

SECONDS = 8.0  # of paced feeding: long enough that the wake-up pattern settles

Started = tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]  # (wait for all, stop)


async def measure(
    start: Callable[[int], Awaitable[Started]],
    publish: Callable[[], Coroutine[Any, Any, object]],
    rate: float,
    seconds: float = SECONDS,
) -> dict | None:
    """Start `start(n)` consuming n hops, feed them with `publish` at `rate` per second (open loop: each
    leaves on time whatever the confirms do); None where there is no /proc to read the CPU from."""
    n = max(1, round(rate * seconds))
    finished, stop = await start(n)
    try:
        before = cpu.sample()
        loop = asyncio.get_running_loop()
        began = loop.time()
        sends: list[asyncio.Task[object]] = []
        for i in range(n):
            delay = began + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            sends.append(asyncio.create_task(publish()))
        await asyncio.gather(*sends)
        await finished()
        after = cpu.sample()
    finally:
        await stop()
    return summary(before, after, rate, n)


def summary(before: cpu.Sample | None, after: cpu.Sample | None, rate: float, hops: int) -> dict | None:
    if before is None or after is None or after.total_s <= before.total_s:
        return None
    return {
        "rate_per_s": round(rate, 1),
        "hops": hops,
        "machine_busy": cpu.busy_share(before, after),
        "cpu_ms_per_hop": round((after.busy_s - before.busy_s) * 1000 / hops, 3),
    }
