"""Duplicates: events delivered again at random (seeded) while sagas run, every event delivered again
once they are done, and a whole outbox batch replayed by the relay. Each effect is applied once:
every row count that records an effect stays where it was, and every extra delivery is counted by its
consumer as a duplicate."""

import asyncio
import os
import random
import time

import asyncpg
import pytest

from checker import wait_quiet
from events import EVENT_CLASSES
from events.names import SERVICES
from events.statuses import TERMINAL
from stack.wait import eventually
from tests.fault.effects import duplicated, effect_counts
from tests.fault.figures import Figures
from tests.fault.orders import Orders, saga_mix
from tests.fault.redeliver import Sent, duplicates_seen, publish_again, sent_events
from tests.support.checks import assert_clean
from tests.support.stock import new_product

pytestmark = pytest.mark.e2e
SEED = int(os.environ.get("FAULT_SEED", "4242"))


def plan(rng: random.Random, n_orders: int) -> dict[tuple[int, str], int]:
    """(order index, event type) -> extra copies: decided by the seed alone, not by timing."""
    types = tuple(EVENT_CLASSES)  # every event type, in the catalogue's order (the seed's draws follow it)
    return {(i, t): rng.choice((1, 1, 2, 3)) for i in range(n_orders) for t in types if rng.random() < 0.5}


async def test_random_duplicate_deliveries_apply_each_effect_once(
    shared_stack, http, figures: Figures
) -> None:
    print(f"FAULT_SEED={SEED}")
    stack = shared_stack
    product = await new_product(stack, 100)
    orders = Orders(http, stack)
    ids = await orders.place_all(saga_mix(product) * 2)
    wanted = plan(random.Random(SEED), len(ids))
    index = {order_id: i for i, order_id in enumerate(ids)}
    baseline = await duplicates_seen(http, stack)

    done: set[tuple[int, str]] = set()
    injected = 0
    while True:  # duplicate what the plan names as soon as the relay has sent it, while sagas run
        fresh = [
            e
            for e in await sent_events(stack, ids)
            if (index[e.order_id], e.routing_key) in wanted and (index[e.order_id], e.routing_key) not in done
        ]
        for e in fresh:
            copies = wanted[(index[e.order_id], e.routing_key)]
            await publish_again(stack, [e], copies)
            done.add((index[e.order_id], e.routing_key))
            injected += copies * e.deliveries
        if not fresh and all(s in TERMINAL for s in (await orders.final_statuses()).values()):
            break
        await asyncio.sleep(0.05)  # noqa: ASYNC110 - the pace of the duplicator, not a wait for a condition
    await assert_clean(stack)
    await eventually(lambda: _seen(http, stack, baseline + injected), 30, 0.1, f"{injected} duplicates seen")
    assert await orders.final_statuses() == orders.expected

    # and every event of these sagas once more, now that they are finished: nothing may move
    before = await effect_counts(stack)
    everything = await sent_events(stack, ids)
    started = time.monotonic()
    await publish_again(stack, everything)
    again = sum(e.deliveries for e in everything)
    await eventually(
        lambda: _seen(http, stack, baseline + injected + again), 30, 0.1, "every redelivery seen"
    )
    await assert_clean(stack)
    assert await effect_counts(stack) == before, "a redelivered event changed state"

    figures.orders, figures.faults = len(ids), injected + again
    figures.lost, figures.duplicated = await orders.lost(), await duplicated(stack)
    figures.recovery_s = round(time.monotonic() - started, 1)
    figures.notes = {"seed": SEED, "during_run": injected, "after_run": again}
    assert figures.lost == 0 and figures.duplicated == 0


async def _seen(http, stack, n: float) -> bool:
    seen = await duplicates_seen(http, stack)
    assert seen <= n, f"{seen} duplicates seen, only {n} injected"
    return seen == n


async def test_a_replayed_outbox_batch_is_absorbed(shared_stack, http, figures: Figures) -> None:
    stack = shared_stack
    product = await new_product(stack, 100)
    orders = Orders(http, stack)
    ids = await orders.place_all(saga_mix(product))
    await orders.settled()
    await assert_clean(stack)
    before = await effect_counts(stack)
    baseline = await duplicates_seen(http, stack)

    replayed: list[Sent] = []
    started = time.monotonic()
    for service in SERVICES:  # as if every relay crashed after publishing and before marking the batch
        replayed += [e for e in await sent_events(stack, ids) if e.service == service]
        conn = await asyncpg.connect(stack.database_url(service), timeout=10)
        try:
            # the relays' pollers find them unsent (and old enough that no writer is publishing them)
            await conn.execute("UPDATE outbox SET sent_at = NULL WHERE order_id = ANY($1::uuid[])", ids)
        finally:
            await conn.close()
    expected = sum(e.deliveries for e in replayed)
    await wait_quiet(stack.targets, 60)  # includes: every outbox row sent again
    await eventually(lambda: _seen(http, stack, baseline + expected), 30, 0.1, "every replayed event seen")
    await assert_clean(stack)
    assert await effect_counts(stack) == before, "a replayed outbox row changed state"

    figures.orders, figures.faults = len(ids), len(replayed)
    figures.lost, figures.duplicated = await orders.lost(), await duplicated(stack)
    figures.recovery_s = round(time.monotonic() - started, 1)
    figures.notes = {"outbox_rows_replayed": len(replayed), "deliveries": expected}
    assert figures.lost == 0 and figures.duplicated == 0
