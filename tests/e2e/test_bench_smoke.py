"""The benchmark still runs end to end (a few orders on an isolated stack) and reports every field,
so `make bench` cannot rot. It asserts what a run produced, never how fast it was."""

import asyncpg
import pytest

from bench import scenarios, suite
from bench.run import run_bench
from bench.target import Target

pytestmark = pytest.mark.e2e

FIELDS = {
    "parameters",
    "machine",
    "duration_s",
    "confirmed_per_s",
    "latency_ms",
    "post_latency_ms",
    "outcomes",
    "post_retries",
    "expected_outcomes",
    "checker",
    "bounds",
    "ratio_to_hop_bound",
    "not_terminal",
    "post_errors",
    "cpu",
    "cpu_to_paced_floor",
}


async def _orders(target: Target) -> int:
    conn = await asyncpg.connect(target.database_urls["order"])
    try:
        return await conn.fetchval("SELECT count(*) FROM orders")
    finally:
        await conn.close()


def assert_well_formed(result: dict) -> None:
    assert FIELDS <= set(result), sorted(FIELDS - set(result))
    assert set(result["latency_ms"]) == {"p50", "p95", "p99", "max"}
    assert set(result["post_latency_ms"]) == {"p50", "p99", "max"}
    assert result["latency_ms"]["p50"] > 0 and result["post_latency_ms"]["p50"] > 0
    assert result["bounds"]["publish_confirm_per_s"] > 0 and result["bounds"]["hop_per_s"] > 0
    assert result["bounds"]["deliveries_per_saga"] == 8
    assert set(result["bounds"]["wakeup"]["unit_cpu_us"]) == {"back_to_back", "every_1ms", "every_20ms"}
    assert all(us > 0 for us in result["bounds"]["wakeup"]["unit_cpu_us"].values())
    assert result["post_errors"]["count"] == 0, result["post_errors"]
    assert result["not_terminal"] == 0
    assert result["checker"]["violations"] == 0, result["checker"]
    assert result["checker"]["quiet_error"] is None
    spent = result["cpu"]["ms_per_saga"]  # the stack's four services did the work, and PostgreSQL
    assert {"order", "payment", "inventory", "shipping", "postgres", "bench"} <= set(spent), spent
    assert spent["total"] >= spent["order"] > 0 and 0 < result["cpu"]["machine_busy"] <= 1
    woken = result["cpu"]["wakeups_per_saga"]  # every service blocked and was woken for its deliveries
    assert all(woken[s] > 0 for s in ("order", "payment", "inventory", "shipping", "postgres")), woken
    assert woken["total"] >= woken["order"]
    assert set(result["cpu"]["preemptions_per_saga"]) == set(woken)


async def test_spread_confirms_every_order_at_an_offered_rate(stack):
    target = Target.of_stack(stack)
    placed_before = await _orders(target)
    result = await run_bench(
        target, "spread", orders=12, rate=40, seed=6, bound_messages=60, warmup=5, paced_s=0.5
    )
    assert_well_formed(result)
    assert result["outcomes"] == {"CONFIRMED": 12}  # measured: the 12, not the 5 warm-up orders before them
    assert result["parameters"]["warmup_orders"] == 5
    assert await _orders(target) - placed_before == 17
    assert result["confirmed_per_s"] > 0 and result["ratio_to_hop_bound"] > 0
    floor = result["bounds"]["paced_hop"]  # the bare hop at the rate the sagas made deliveries: 40 x 8
    assert floor["rate_per_s"] == 320 and floor["hops"] == 160 and floor["cpu_ms_per_hop"] > 0
    assert 0 < floor["machine_busy"] <= 1 and result["cpu_to_paced_floor"] > 0


async def test_mixed_reaches_every_kind_of_outcome(stack):
    orders, seed = 40, 1
    assert set(scenarios.build("mixed", orders, seed).kinds) == set(scenarios.OUTCOME)  # every kind drawn
    result = await run_bench(
        Target.of_stack(stack), "mixed", orders, concurrency=8, seed=seed, bound_messages=60
    )
    assert_well_formed(result)
    assert set(result["expected_outcomes"]) == {"CONFIRMED", "PAYMENT_FAILED", "CANCELLED"}
    assert result["outcomes"] == result["expected_outcomes"]
    assert (
        "paced_hop" not in result["bounds"] and result["cpu_to_paced_floor"] is None
    )  # a closed loop has no rate


async def test_the_suite_runs_each_spec_and_judges_the_goals(stack):
    result = await suite.run_suite(
        Target.of_stack(stack),
        suite.parse_runs("spread:10,spread@40:8"),
        isolated=True,
        warmup=3,
        seed=9,
        bound_messages=60,
        paced_s=0.5,
    )
    assert [r["outcomes"] for r in result["runs"]] == [{"CONFIRMED": 10}, {"CONFIRMED": 8}]
    for r in result["runs"]:
        assert_well_formed(r)
    assert (
        result["runs"][1]["parameters"]["command"]
        == "make bench SCENARIO=spread ORDERS=8 RATE=40 CONCURRENCY=32 WARMUP=3 ISOLATED=1"
    )
    verdicts = {v["goal"].split(":")[0]: v for v in result["goals"]}
    assert (
        verdicts["spread"]["figures"] == [result["runs"][0]["confirmed_per_s"]]
        and verdicts["spread"]["met"] is not None
    )
    assert verdicts["hot"]["met"] is None and verdicts["mixed"]["met"] is None  # not in this set
    assert len(result["table"]) == 2 and all(
        row.startswith("| `make bench SCENARIO=spread") for row in result["table"]
    )
