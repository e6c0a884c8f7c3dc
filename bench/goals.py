"""The benchmark's goals (README "Performance"), judged on a set of runs taken together.

Each goal is judged from the runs it needs: the `spread` and `hot` closed loops for throughput, `mixed`
for its outcomes, `spread` at GOAL_RATE orders/s for the latencies. A set may hold several runs of a
kind (`make bench-suite RUNS=spread@100,spread@100,spread@100`): each is judged, and the verdict gives
every figure, how many of the runs met the goal, and `met` only if all of them did; a goal the set has
no run for has `met` None. `hot` is judged against the median of the set's `spread` runs. A run whose
checker found anything, or that left an order not terminal or a POST failed, meets no goal.
"""

import statistics
from collections.abc import Callable
from typing import Any

SPREAD_MIN_PER_S = 250.0  # confirmed sagas/s, spread, closed loop
HOT_MIN_SHARE = 0.80  # hot's confirmed/s over spread's, in the same set
GOAL_RATE = 100.0  # offered orders/s for the latency goals
LATENCY_P99_MAX_MS = 150.0  # POST to terminal status, p99
POST_P99_MAX_MS = 15.0  # POST /orders itself, p99

Report = dict[str, Any]


def clean(report: Report) -> bool:
    return not (report["checker"]["violations"] or report["not_terminal"] or report["post_errors"]["count"])


def find(reports: list[Report], scenario: str, rate: float = 0) -> list[Report]:
    """The set's runs of this scenario at this offered rate (0: closed loop), in order."""
    return [r for r in reports if r["parameters"]["scenario"] == scenario and r["parameters"]["rate"] == rate]


def _verdict(
    goal: str, runs: list[Report], figure: Callable[[Report], float | None], met: Callable[[float], bool]
) -> dict[str, Any]:
    judged = [(value, r) for r in runs if (value := figure(r)) is not None]
    passed = [clean(r) and met(value) for value, r in judged]
    return {
        "goal": goal,
        "figures": [value for value, _ in judged],
        "met_in": [sum(passed), len(passed)],
        "met": all(passed) if passed else None,
        "commands": [r["parameters"].get("command") for _, r in judged],
    }


def judge(reports: list[Report]) -> list[dict[str, Any]]:
    """One verdict per goal, in the README's order."""
    spread, paced = find(reports, "spread"), find(reports, "spread", GOAL_RATE)
    clean_spread = [r["confirmed_per_s"] for r in spread if clean(r)]
    spread_per_s = statistics.median(clean_spread) if clean_spread else None

    def hot_share(hot: Report) -> float | None:
        return round(hot["confirmed_per_s"] / spread_per_s, 3) if spread_per_s else None

    return [
        _verdict(
            f"spread: at least {SPREAD_MIN_PER_S:g} confirmed sagas/s, checker clean",
            spread,
            lambda r: r["confirmed_per_s"],
            lambda v: v >= SPREAD_MIN_PER_S,
        ),
        _verdict(
            f"hot: at least {HOT_MIN_SHARE:.0%} of spread's confirmed/s",
            find(reports, "hot"),
            hot_share,
            lambda v: v >= HOT_MIN_SHARE,
        ),
        _verdict(
            "mixed: every order terminal, checker clean (figure: orders not terminal)",
            find(reports, "mixed"),
            lambda r: r["not_terminal"],
            lambda v: v == 0,
        ),
        _verdict(
            f"at {GOAL_RATE:g} orders/s: p99 from POST to terminal at most {LATENCY_P99_MAX_MS:g} ms",
            paced,
            lambda r: r["latency_ms"]["p99"],
            lambda v: v <= LATENCY_P99_MAX_MS,
        ),
        _verdict(
            f"at {GOAL_RATE:g} orders/s: POST /orders p99 at most {POST_P99_MAX_MS:g} ms",
            paced,
            lambda r: r["post_latency_ms"]["p99"],
            lambda v: v <= POST_P99_MAX_MS,
        ),
    ]
