"""The goals are judged from the runs they need, every run of a kind counts, and a run that is not
clean meets none."""

from bench import goals


def report(
    scenario: str,
    rate: float = 0,
    per_s: float = 300.0,
    p99: float = 100.0,
    post_p99: float = 10.0,
    violations: int = 0,
    not_terminal: int = 0,
) -> dict:
    return {
        "parameters": {
            "scenario": scenario,
            "rate": rate,
            "command": f"make bench SCENARIO={scenario} RATE={rate:g}",
        },
        "confirmed_per_s": per_s,
        "latency_ms": {"p99": p99},
        "post_latency_ms": {"p99": post_p99},
        "checker": {"violations": violations},
        "not_terminal": not_terminal,
        "post_errors": {"count": 0},
    }


def test_a_full_set_that_meets_every_goal():
    verdicts = goals.judge(
        [
            report("spread", per_s=300),
            report("hot", per_s=255),
            report("mixed"),
            report("spread", 100, per_s=99.8, p99=120, post_p99=12),
        ]
    )
    assert [v["met"] for v in verdicts] == [True] * 5
    assert [v["figures"] for v in verdicts] == [[300], [0.85], [0], [120], [12]]
    assert [v["met_in"] for v in verdicts] == [[1, 1]] * 5
    assert verdicts[3]["commands"] == ["make bench SCENARIO=spread RATE=100"]


def test_each_figure_against_its_target():
    verdicts = goals.judge(
        [
            report("spread", per_s=249.9),
            report("hot", per_s=199.0),
            report("mixed", not_terminal=3),
            report("spread", 100, p99=150.1, post_p99=15.1),
        ]
    )
    assert [v["met"] for v in verdicts] == [False] * 5
    assert [v["figures"] for v in verdicts] == [[249.9], [0.796], [3], [150.1], [15.1]]
    at_the_line = goals.judge(
        [report("spread", per_s=250), report("hot", per_s=200), report("spread", 100, p99=150, post_p99=15)]
    )
    assert [v["met"] for v in at_the_line] == [True, True, None, True, True]


def test_every_run_of_a_kind_is_judged_and_hot_against_the_median_spread():
    verdicts = goals.judge(
        [
            report("spread", 100, p99=120, post_p99=16),
            report("spread", 100, p99=180, post_p99=9),
            report("spread", 100, p99=90, post_p99=11),
            report("spread", per_s=240),
            report("spread", per_s=300),
            report("spread", per_s=280),
            report("hot", per_s=230),
        ]
    )
    spread, hot, _, latency, post = verdicts
    assert latency["figures"] == [120, 180, 90] and latency["met_in"] == [2, 3] and latency["met"] is False
    assert post["met_in"] == [2, 3] and len(post["commands"]) == 3
    assert spread["met_in"] == [2, 3]
    assert hot["figures"] == [0.821] and hot["met"] is True  # 230 over the median 280


def test_a_run_with_checker_violations_meets_nothing_and_hot_needs_a_clean_spread():
    verdicts = goals.judge(
        [
            report("spread", per_s=400, violations=1),
            report("hot", per_s=400),
            report("spread", 100, p99=10, post_p99=1, violations=2),
        ]
    )
    assert verdicts[0]["met"] is False
    assert verdicts[1]["figures"] == [] and verdicts[1]["met"] is None  # no clean spread to compare with
    assert verdicts[3]["met"] is False and verdicts[4]["met"] is False


def test_goals_without_their_run_are_not_measured_and_other_rates_do_not_count():
    verdicts = goals.judge([report("spread", 50, p99=20, post_p99=2), report("hot", 100)])
    assert [v["met"] for v in verdicts] == [None] * 5
    assert all(v["figures"] == [] and v["commands"] == [] and v["met_in"] == [0, 0] for v in verdicts)
