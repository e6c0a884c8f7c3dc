"""check(): every invariant as a count, zero when healthy, with the offending ids as details."""

import asyncio
from dataclasses import dataclass, field
from typing import Any

from checker import invariants, reads
from checker.broker import queue_states
from checker.cache import cache_drift
from checker.targets import Targets


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    dlq: dict[str, int] = field(default_factory=dict)  # dead-lettered messages per DLQ (expected or not)

    @property
    def violations(self) -> int:
        return sum(self.counts.values())

    def add(self, name: str, items: list) -> None:
        self.counts[name] = len(items)
        if items:
            self.details[name] = items[:20]

    def as_dict(self) -> dict[str, Any]:
        return {
            "violations": self.violations,
            "counts": self.counts,
            "dlq": self.dlq,
            "details": self.details,
        }


async def check(targets: Targets, expected_dlq: int = 0) -> Report:
    urls = targets.database_urls
    o, pay, inv, ship = await asyncio.gather(
        reads.order_facts(urls["order"]),
        reads.payment_facts(urls["payment"]),
        reads.inventory_facts(urls["inventory"]),
        reads.shipping_facts(urls["shipping"]),
    )
    report = Report()
    report.add("orders_not_terminal", invariants.orders_not_terminal(o))
    report.add("stock_equations_broken", invariants.stock_equations(inv))
    report.add("reservations_not_ended_once", invariants.reservations_not_ended_once(inv))
    report.add("oversold_products", invariants.oversold(o, inv))
    report.add("prices_not_copied", invariants.prices_not_copied(o, inv))
    report.add("payments_per_order_above_one", invariants.payments_above_one(pay))
    for name, items in {**invariants.money(o, pay), **invariants.stock_outcomes(o, inv, ship)}.items():
        report.add(name, items)
    unsent = {s: await reads.outbox_unsent(u) for s, u in urls.items()}
    report.add("outbox_unsent", [f"{s}: {n}" for s, n in unsent.items() if n])
    states = await queue_states(targets.amqp_url)
    report.dlq = {q.name: q.messages for q in states if q.name.endswith(".dlq") and q.messages}
    report.add(
        "queues_not_empty",
        [f"{q.name}: {q.messages}" for q in states if not q.name.endswith(".dlq") and q.messages],
    )
    report.add(
        "queues_without_consumer",
        [q.name for q in states if not q.name.endswith((".dlq", ".retry")) and q.consumers == 0],
    )
    dead = sum(report.dlq.values())
    report.add(
        "unexpected_dlq_messages",
        [f"{dead} dead-lettered, {expected_dlq} expected"] if dead != expected_dlq else [],
    )
    if targets.redis_url:
        drift = await cache_drift(targets.redis_url, targets.redis_prefix, inv)
        if drift:  # a hold may have expired between the read of PostgreSQL and Redis's: read both again
            inv_now = await reads.inventory_facts(urls["inventory"])
            drift = await cache_drift(targets.redis_url, targets.redis_prefix, inv_now)
        report.add("redis_availability_drift", drift)
    return report
