"""`make bench`: seed, warm up, load, wait for every order to be terminal, check, bounds, report as one JSON.

python -m bench.run --scenario spread --orders 2000 --rate 0 --concurrency 32 [--isolated]
"""

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import uvloop

import checker
from bench import bounds, collect, cpu, goals, load, paced, scenarios
from bench.report import DELIVERIES_PER_SAGA, Run, build_report
from bench.seed import seed_products
from bench.target import Target
from stack.infra import Infra
from stack.isolated import isolated_stack

RESULTS = Path(__file__).parent / "results"
CONCURRENCY = 32  # requests in flight in a closed loop, by default


async def run_bench(
    target: Target,
    scenario: str = "spread",
    orders: int = 2000,
    rate: float = 0,
    concurrency: int = 32,
    seed: int | None = None,
    bound_messages: int = 3000,
    warmup: int = 0,
    paced_s: float = paced.SECONDS,
) -> dict:
    """`warmup` orders of the same scenario (own products) go first, at the same rate, and are waited for
    but not measured: pools grown, statements prepared, caches filled, as in a system that has been
    running. The checker covers them too."""
    seed = int(time.time()) if seed is None else seed
    print(
        f"bench: scenario={scenario} orders={orders} rate={rate} concurrency={concurrency} seed={seed}"
        f" warmup={warmup}",
        file=sys.stderr,
    )
    await _require_ready(target)
    plan = scenarios.build(scenario, orders, seed)
    loadavg = round(os.getloadavg()[0], 2)
    warm = scenarios.build(scenario, warmup, seed + 1) if warmup else None
    products = {**plan.products, **(warm.products if warm else {})}
    seeded = await seed_products(
        target.inventory_url,
        target.database_urls["inventory"],
        target.database_urls["order"],
        products,
        target.token,
    )
    timeout = max(60.0, orders / 20)
    if warm:
        warm_ids = [
            s.order_id
            for s in await load.drive(target.order_url, warm.bodies, rate, concurrency, target.token)
        ]
        await collect.wait_terminal(target.database_urls["order"], [i for i in warm_ids if i], timeout)
    cpu_before = cpu.sample()
    started = time.time()
    sent = await load.drive(target.order_url, plan.bodies, rate, concurrency, target.token)
    posted = time.time()
    ids = [s.order_id for s in sent if s.order_id]
    not_terminal = await collect.wait_terminal(target.database_urls["order"], ids, timeout)
    cpu_used = cpu.usage(cpu_before, cpu.sample(), len(ids) - not_terminal)
    run = Run(
        plan, sent, await collect.outcomes(target.database_urls["order"], ids), started, posted, not_terminal
    )
    params = {
        "scenario": scenario,
        "orders": orders,
        "rate": rate,
        "concurrency": concurrency,
        "seed": seed,
        "warmup_orders": warmup,
        "order_url": target.order_url,
        "seeded_through": seeded,
        "started_at": datetime.fromtimestamp(started, UTC).isoformat(),
    }
    machine = {"cpus": os.cpu_count(), "loadavg_1m_before": loadavg}
    checked = await _check(target, timeout)
    # the bounds last: their scratch database's DROP forces a checkpoint, which must not land in the run
    # at an offered rate, also the bare hop at the rate the sagas made deliveries: the floor for their CPU
    paced_rate = rate * DELIVERIES_PER_SAGA if rate > 0 else None
    measured_bounds = await bounds.measure(
        target.infra, bound_messages, max(1, bound_messages // 2), paced_rate=paced_rate, paced_s=paced_s
    )
    return build_report(run, params, machine, checked, measured_bounds, cpu_used)


async def _check(target: Target, timeout: float) -> dict:
    """The invariant checker, once the system is quiet (failing to get quiet is reported, not raised)."""
    targets = target.checks
    try:
        await checker.wait_quiet(targets, timeout)
        quiet_error = None
    except checker.NotQuiet as exc:
        quiet_error = str(exc)
    return {**(await checker.check(targets)).as_dict(), "quiet_error": quiet_error}


async def _require_ready(target: Target) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        for url in (target.order_url, target.inventory_url):
            try:
                async with http.get(f"{url}/ready") as r:
                    if r.status == 200:
                        continue
            except (aiohttp.ClientError, TimeoutError):
                pass
            raise SystemExit(
                f"bench: {url}/ready does not answer 200; start the system with `make up` "
                "(or pass --isolated for a fresh stack of its own)"
            )


@contextlib.asynccontextmanager
async def target_for(isolated: bool) -> AsyncIterator[Target]:
    """The `make up` system, or with `isolated` a fresh stack of its own (stack.isolated: four processes,
    own databases, vhost and ports), stopped and dropped afterwards."""
    if not isolated:
        yield Target.local()
        return
    async with isolated_stack(Infra.from_env()) as stack:
        yield Target.of_stack(stack)


def default_warmup(orders: int) -> int:
    return max(50, orders // 20)


def command(
    scenario: str, orders: int, rate: float, concurrency: int, warmup: int, isolated: bool = False
) -> str:
    """The make command that repeats a run."""
    return (
        f"make bench SCENARIO={scenario} ORDERS={orders} RATE={rate:g} CONCURRENCY={concurrency}"
        f" WARMUP={warmup}" + (" ISOLATED=1" if isolated else "")
    )


def write(result: dict, output: Path) -> None:
    """Print the JSON document and keep it in `output`."""
    text = json.dumps(result, indent=2)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text + "\n")
    print(text)


async def _main(a: argparse.Namespace) -> dict:
    async with target_for(a.isolated) as target:
        return await run_bench(target, a.scenario, a.orders, a.rate, a.concurrency, a.seed, warmup=a.warmup)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenario", default="spread", choices=("spread", "hot", "mixed"))
    p.add_argument("--orders", type=int, default=2000)
    p.add_argument(
        "--rate", type=float, default=0, help="offered orders/s (open loop); 0 = as fast as possible"
    )
    p.add_argument("--concurrency", type=int, default=CONCURRENCY, help="requests in flight when --rate is 0")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument(
        "--warmup",
        type=int,
        default=None,
        help="orders sent first and not measured (default: 5%% of --orders, at least 50)",
    )
    p.add_argument(
        "--isolated",
        action="store_true",
        help="start a fresh isolated stack (own databases, vhost, ports) instead of using `make up`'s",
    )
    p.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    a = p.parse_args(argv)
    if a.warmup is None:
        a.warmup = default_warmup(a.orders)
    result = uvloop.run(_main(a))  # the services' event loop; the load generator costs less CPU with it
    result["parameters"]["command"] = command(
        a.scenario, a.orders, a.rate, a.concurrency, a.warmup, a.isolated
    )
    write(result, a.output)
    if not goals.clean(result):
        sys.exit(1)


if __name__ == "__main__":
    main()
