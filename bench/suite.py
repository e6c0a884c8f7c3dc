"""`make bench-suite`: the runs the goals are judged by, one after another on the same system, as one
document: every run's report, the goals' verdicts (bench.goals) and the README's table rows.

    python -m bench.suite [--runs spread,hot,mixed,spread@100,spread@50] [--isolated]

A run is SCENARIO[@RATE][:ORDERS]: a closed loop without a rate (ORDERS default 2000), an open loop at
RATE orders/s with one (ORDERS default 15 s of it). Each run warms up first as `make bench` does.
"""

import argparse
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvloop

from bench import goals
from bench.run import CONCURRENCY, RESULTS, command, default_warmup, run_bench, target_for, write
from bench.target import Target

DEFAULT_RUNS = "spread,hot,mixed,spread@100,spread@50"
CLOSED_LOOP_ORDERS = 2000
OPEN_LOOP_SECONDS = 15
Runner = Callable[..., Awaitable[dict]]  # bench.run.run_bench's signature


@dataclass(frozen=True)
class Spec:
    scenario: str
    rate: float
    orders: int

    @classmethod
    def parse(cls, text: str) -> "Spec":
        """SCENARIO[@RATE][:ORDERS], e.g. `hot`, `spread@100`, `spread@50:1000`."""
        head, _, orders = text.strip().partition(":")
        scenario, _, rate = head.partition("@")
        if scenario not in ("spread", "hot", "mixed"):
            raise ValueError(f"unknown scenario {scenario!r} in {text!r} (spread, hot or mixed)")
        r = float(rate) if rate else 0.0
        n = int(orders) if orders else (int(r * OPEN_LOOP_SECONDS) if r else CLOSED_LOOP_ORDERS)
        if r < 0 or n <= 0:
            raise ValueError(f"{text!r}: the rate must be at least 0 and the orders more than 0")
        return cls(scenario, r, n)


def parse_runs(text: str) -> list[Spec]:
    return [Spec.parse(t) for t in text.split(",") if t.strip()]


async def run_suite(
    target: Target,
    specs: list[Spec],
    isolated: bool = False,
    runner: Runner = run_bench,
    warmup: int | None = None,
    **options: Any,
) -> dict:
    """Each spec in turn, each warmed up (default as `make bench`); `options` go to every run (the smoke
    test makes them small)."""
    reports, table = [], []
    for spec in specs:
        warm = default_warmup(spec.orders) if warmup is None else warmup
        report = await runner(
            target, spec.scenario, spec.orders, spec.rate, CONCURRENCY, warmup=warm, **options
        )
        report["parameters"]["command"] = command(
            spec.scenario, spec.orders, spec.rate, CONCURRENCY, warm, isolated
        )
        reports.append(report)
        table.append(table_row(report))
        print(f"bench-suite: {table[-1]}", file=sys.stderr)
    return {"runs": reports, "goals": goals.judge(reports), "table": table}


def _ms(x: float | None) -> str:
    return "-" if x is None else (f"{x:.1f}" if x < 100 else f"{x:.0f}")


def table_row(report: dict[str, Any]) -> str:
    """One row of the README's figures table."""
    lat, post, cpu = report["latency_ms"], report["post_latency_ms"], report.get("cpu")
    outcomes = ", ".join(f"{n} {s}" for s, n in sorted(report["outcomes"].items(), key=lambda kv: -kv[1]))
    terminal = (
        f" ({report['terminal_per_s']} terminal/s)"
        if report["terminal_per_s"] != report["confirmed_per_s"]
        else ""
    )
    paced = report["bounds"].get("paced_hop")
    floor = f"{paced['cpu_ms_per_hop']:.2f} / {report['cpu_to_paced_floor']}" if paced else "-"
    spent = (
        [
            f"{cpu['ms_per_saga']['total']}",
            f"{cpu['wakeups_per_saga']['total']:.0f}",
            f"{cpu['machine_busy']:.0%}",
        ]
        if cpu
        else ["-"] * 3
    )
    return " | ".join(
        [
            f"| `{report['parameters']['command']}`",
            f"{report['confirmed_per_s']}{terminal}",
            f"{_ms(lat['p50'])} / {_ms(lat['p95'])} / {_ms(lat['p99'])}",
            f"{_ms(post['p50'])} / {_ms(post['p99'])}",
            outcomes,
            f"{report['bounds']['hop_per_s']:.0f}",
            *spent,
            f"{floor} |",
        ]
    )


TABLE_HEAD = (
    "| command | confirmed/s | p50 / p95 / p99 to terminal (ms) | POST p50 / p99 (ms) | outcomes | hop/s"
    " | CPU ms per saga | wake-ups per saga | busy | paced floor ms per hop / saga over it |\n"
    "| ------- | ----------: | -------------------------------: | ------------------: | -------- | ----:"
    " | --------------: | ----------------: | ---: | ---------------------------: |"
)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--runs",
        type=parse_runs,
        default=parse_runs(DEFAULT_RUNS),
        help=f"comma-separated SCENARIO[@RATE][:ORDERS] (default {DEFAULT_RUNS})",
    )
    p.add_argument(
        "--isolated", action="store_true", help="run on a fresh stack of its own instead of `make up`'s"
    )
    p.add_argument("--output", type=Path, default=RESULTS / "suite.json")
    a = p.parse_args(argv)

    async def suite() -> dict:
        async with target_for(a.isolated) as target:
            return await run_suite(target, a.runs, a.isolated)

    result = uvloop.run(suite())
    write(result, a.output)
    print("\n" + TABLE_HEAD + "\n" + "\n".join(result["table"]), file=sys.stderr)
    for v in result["goals"]:
        verdict = {True: "met", False: "NOT met", None: "not measured"}[v["met"]]
        print(
            f"goal: {v['goal']}: {verdict}, in {v['met_in'][0]} of {v['met_in'][1]} runs"
            f" (figures {v['figures']})",
            file=sys.stderr,
        )
    if any(not goals.clean(r) for r in result["runs"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
