"""Quiet: every order terminal, every outbox sent, every queue empty, and no progress for a moment."""

import asyncio
import time

from checker import reads
from checker.broker import queue_states
from checker.targets import Targets
from events.statuses import TERMINAL


class NotQuiet(AssertionError):
    pass


async def _busy(targets: Targets) -> list[str]:
    urls = targets.database_urls
    o = await reads.order_facts(urls["order"])
    reasons = [
        f"{n} orders not terminal" for n in [sum(1 for s in o["status"].values() if s not in TERMINAL)] if n
    ]
    for service, url in urls.items():
        if n := await reads.outbox_unsent(url):
            reasons.append(f"{service} outbox has {n} unsent")
    reasons += [
        f"{q.name} has {q.messages}"
        for q in await queue_states(targets.amqp_url)
        if q.messages and not q.name.endswith(".dlq")
    ]
    return reasons


async def wait_quiet(targets: Targets, timeout: float = 60.0, settle: float = 0.5) -> None:
    """Deliveries still unacked are invisible to a passive declare, so quiet also means that nothing
    was consumed or emitted (inbox and outbox counts stand still) for `settle` seconds."""
    deadline = time.monotonic() + timeout
    reasons: list[str] = []
    while time.monotonic() < deadline:
        reasons = await _busy(targets)
        if not reasons:
            before = await reads.progress_marker(targets.database_urls)
            await asyncio.sleep(settle)
            if before == await reads.progress_marker(targets.database_urls) and not await _busy(targets):
                return
            reasons = ["still making progress"]
        else:
            await asyncio.sleep(0.1)
    raise NotQuiet(f"not quiet within {timeout}s: {'; '.join(reasons[:10])}")
