"""The one JSON document a run produces: parameters, throughput, latencies, outcomes, checker, bounds, and
where the CPU went."""

import os
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from bench.load import Sent
from bench.scenarios import Scenario
from bench.stats import summary

# happy path: order.created(1) + payment.approved(2) + inventory.reserved(2) + shipping.scheduled(2)
# + inventory.committed(1)
DELIVERIES_PER_SAGA = 8


@dataclass(frozen=True)
class Run:
    plan: Scenario
    sent: list[Sent]
    finished: dict[UUID, tuple[str, datetime | None]]  # order -> (status, when it became terminal)
    started: float  # wall clock of the first POST
    posted: float  # wall clock when the last POST was answered
    not_terminal: int


def build_report(
    run: Run,
    params: dict[str, Any],
    machine: dict[str, Any],
    check: dict[str, Any],
    bounds: dict[str, Any],
    cpu: dict[str, Any] | None = None,
) -> dict[str, Any]:
    sent_at = {s.order_id: s.sent_at for s in run.sent if s.order_id}
    latency: dict[str, list[float]] = {}
    for oid, (status, at) in run.finished.items():
        if at is not None:
            latency.setdefault(status, []).append((at.timestamp() - sent_at[oid]) * 1000)
    ends = [at.timestamp() for _, at in run.finished.values() if at]
    duration = (max(ends) if ends else run.posted) - run.started
    outcomes = Counter(status for status, _ in run.finished.values())
    confirmed_per_s = outcomes["CONFIRMED"] / duration if duration > 0 else 0.0
    errors = [s.error for s in run.sent if s.error]
    post_s = run.posted - run.started
    return {
        "parameters": params,
        "machine": {**machine, "loadavg_1m_after": round(os.getloadavg()[0], 2)},
        "duration_s": round(duration, 3),
        "post_phase_s": round(post_s, 3),
        "achieved_post_per_s": round(len(run.sent) / post_s, 1) if post_s > 0 else None,
        "confirmed_per_s": round(confirmed_per_s, 1),
        "terminal_per_s": round(sum(outcomes.values()) / duration, 1) if duration > 0 else 0.0,
        "latency_ms": summary([x for xs in latency.values() for x in xs]),
        "latency_ms_by_outcome": {s: summary(xs) for s, xs in sorted(latency.items())},
        "post_latency_ms": summary([s.post_ms for s in run.sent], (50, 99)),
        "outcomes": dict(sorted(outcomes.items())),
        "expected_outcomes": run.plan.expected,
        "outcomes_as_expected": dict(outcomes) == run.plan.expected,
        "post_errors": {"count": len(errors), "first": errors[:5]},
        "post_retries": sum(s.retries for s in run.sent),
        "not_terminal": run.not_terminal,
        "checker": check,
        "bounds": {**bounds, "deliveries_per_saga": DELIVERIES_PER_SAGA},
        "ratio_to_hop_bound": round(confirmed_per_s * DELIVERIES_PER_SAGA / bounds["hop_per_s"], 3),
        "cpu": cpu,  # bench.cpu: from the first POST until every order was terminal; None without /proc
        "cpu_to_paced_floor": _to_floor(cpu, bounds.get("paced_hop")),
    }


def _to_floor(cpu: dict[str, Any] | None, paced: dict[str, Any] | None) -> float | None:
    """The saga's CPU over eight bare hops' at the same offered rate (bench.paced); None for a closed loop."""
    if not cpu or not paced or paced["cpu_ms_per_hop"] <= 0:
        return None
    return round(cpu["ms_per_saga"]["total"] / (paced["cpu_ms_per_hop"] * DELIVERIES_PER_SAGA), 2)
