"""The one JSON document a run produces: parameters, throughput, latencies, outcomes, checker, bounds."""

from collections import Counter
from datetime import datetime
from typing import Any
from uuid import UUID

from bench.load import Sent
from bench.scenarios import Scenario
from bench.stats import summary

# happy path: order.created(1) + payment.approved(2) + inventory.reserved(2) + shipping.scheduled(2)
# + inventory.committed(1)
DELIVERIES_PER_SAGA = 8


def build_report(
    params: dict[str, Any], plan: Scenario, sent: list[Sent], finished: dict[UUID, tuple[str, datetime | None]],
    started: float, posted: float, stuck: int, check: Any, quiet_error: str | None, bounds: dict[str, float],
) -> dict[str, Any]:
    sent_at = {s.order_id: s.sent_at for s in sent if s.order_id}
    latencies = [(at.timestamp() - sent_at[oid]) * 1000 for oid, (_, at) in finished.items() if at]
    ends = [at.timestamp() for _, at in finished.values() if at]
    duration = (max(ends) if ends else posted) - started
    outcomes = Counter(status for status, _ in finished.values())
    confirmed_per_s = outcomes["CONFIRMED"] / duration if duration > 0 else 0.0
    errors = [s.error for s in sent if s.error]
    return {
        "parameters": params,
        "expected_outcomes": plan.expected,
        "duration_s": round(duration, 3),
        "post_phase_s": round(posted - started, 3),
        "achieved_post_per_s": round(len(sent) / (posted - started), 1) if posted > started else None,
        "confirmed_per_s": round(confirmed_per_s, 1),
        "terminal_per_s": round(sum(outcomes.values()) / duration, 1) if duration > 0 else 0.0,
        "latency_ms": summary(latencies),
        "post_latency_ms": summary([s.post_ms for s in sent], (50, 99)),
        "outcomes": dict(sorted(outcomes.items())),
        "post_errors": {"count": len(errors), "first": errors[:5]},
        "not_terminal": stuck,
        "checker": {**check.as_dict(), "quiet_error": quiet_error},
        "bounds": {**bounds, "deliveries_per_saga": DELIVERIES_PER_SAGA},
        "ratio_to_hop_bound": round(confirmed_per_s * DELIVERIES_PER_SAGA / bounds["hop_per_s"], 3),
    }
