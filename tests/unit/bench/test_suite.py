"""`make bench-suite`: its run specs, the order it runs them in, and the table rows it prints."""

import pytest

from bench import suite


def test_specs_default_their_orders_by_loop():
    assert suite.parse_runs("spread, hot@0,spread@100,mixed:300,spread@50:1000") == [
        suite.Spec("spread", 0.0, 2000),
        suite.Spec("hot", 0.0, 2000),
        suite.Spec("spread", 100.0, 1500),
        suite.Spec("mixed", 0.0, 300),
        suite.Spec("spread", 50.0, 1000),
    ]


@pytest.mark.parametrize("bad", ["cold", "spread@-1", "spread:0", "spread@x", "hot:many"])
def test_a_bad_spec_is_refused_with_its_text(bad):
    with pytest.raises(ValueError, match="spread|hot|rate|could not|invalid"):
        suite.parse_runs(bad)


def fake_report(scenario: str, orders: int, rate: float) -> dict:
    return {
        "parameters": {"scenario": scenario, "rate": rate, "orders": orders},
        "confirmed_per_s": 260.0 if rate == 0 else rate,
        "terminal_per_s": 260.0 if rate == 0 else rate,
        "latency_ms": {"p50": 20.0, "p95": 80.0, "p99": 140.0, "max": 300.0},
        "post_latency_ms": {"p50": 2.5, "p99": 12.0, "max": 20.0},
        "outcomes": {"CONFIRMED": orders},
        "checker": {"violations": 0},
        "not_terminal": 0,
        "post_errors": {"count": 0},
        "bounds": {"hop_per_s": 2817.4, **({"paced_hop": {"cpu_ms_per_hop": 1.234}} if rate else {})},
        "cpu": {"ms_per_saga": {"total": 16.9}, "wakeups_per_saga": {"total": 101.46}, "machine_busy": 0.891},
        "cpu_to_paced_floor": 1.72 if rate else None,
    }


async def test_runs_in_order_each_warmed_up_and_judged_together():
    calls = []

    async def runner(target, scenario, orders, rate, concurrency, warmup, **options):
        calls.append((target, scenario, orders, rate, concurrency, warmup, options))
        return fake_report(scenario, orders, rate)

    result = await suite.run_suite(
        "the target", suite.parse_runs("spread,hot:400,spread@100"), runner=runner, seed=3
    )

    assert calls == [
        ("the target", "spread", 2000, 0.0, 32, 100, {"seed": 3}),
        ("the target", "hot", 400, 0.0, 32, 50, {"seed": 3}),
        ("the target", "spread", 1500, 100.0, 32, 75, {"seed": 3}),
    ]
    assert [r["parameters"]["command"] for r in result["runs"]] == [
        "make bench SCENARIO=spread ORDERS=2000 RATE=0 CONCURRENCY=32 WARMUP=100",
        "make bench SCENARIO=hot ORDERS=400 RATE=0 CONCURRENCY=32 WARMUP=50",
        "make bench SCENARIO=spread ORDERS=1500 RATE=100 CONCURRENCY=32 WARMUP=75",
    ]
    assert [v["met"] for v in result["goals"]] == [True, True, None, True, True]
    assert result["table"][2] == (
        "| `make bench SCENARIO=spread ORDERS=1500 RATE=100 CONCURRENCY=32 WARMUP=75` | 100.0 | 20.0 / 80.0 / 140 "
        "| 2.5 / 12.0 | 1500 CONFIRMED | 2817 | 16.9 | 101 | 89% | 1.23 / 1.72 |"
    )
    assert result["table"][0].endswith("| 2000 CONFIRMED | 2817 | 16.9 | 101 | 89% | - |")


async def test_a_given_warmup_is_used_for_every_run():
    seen = []

    async def runner(target, scenario, orders, rate, concurrency, warmup, **options):
        seen.append(warmup)
        return fake_report(scenario, orders, rate)

    await suite.run_suite(None, suite.parse_runs("spread:12,mixed:40"), runner=runner, warmup=5)
    assert seen == [5, 5]
