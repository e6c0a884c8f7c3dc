"""Reservations decided in PostgreSQL under the row lock: no oversell, no deadlock, one settlement."""

import asyncio
import random
from functools import partial
from uuid import UUID

import asyncpg
from asyncpg.exceptions import DeadlockDetectedError

from inventory.availability.cache import cached_available
from inventory.availability.projection import Projection
from inventory.handlers import apply_events
from inventory.reservations.expiry import sweep_once
from inventory.settings import InventorySettings
from inventory.stock import queries
from tests.integration.inventory.support import approved, deliver, new_products, scheduled

SETTINGS = InventorySettings(reservation_ttl="10m")


async def _stock(pool: asyncpg.Pool, product_id: UUID) -> asyncpg.Record:
    return await pool.fetchrow(
        "SELECT on_hand, reserved, version FROM products WHERE product_id = $1", product_id
    )


async def test_500_concurrent_reservations_of_one_unit_on_ten_units_reserve_exactly_ten(
    pool: asyncpg.Pool, projection: Projection
):
    [product] = await new_products(pool, 10)
    reserve = partial(apply_events, settings=SETTINGS, projection=projection)
    lowest: list[int] = []
    done = asyncio.Event()

    async def watch_available() -> None:  # sampled throughout: never below zero
        while not done.is_set():
            row = await _stock(pool, product)
            lowest.append(row["on_hand"] - row["reserved"])
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch_available())
    outboxes = await asyncio.gather(*(deliver(pool, reserve, approved([(product, 1)])) for _ in range(500)))
    done.set()
    await watcher
    kinds = [e.event_type for outbox in outboxes for e in outbox]
    assert kinds.count("inventory.reserved") == 10
    assert kinds.count("inventory.failed") == 490
    row = await _stock(pool, product)
    assert (row["on_hand"], row["reserved"]) == (10, 10)
    assert min(lowest) >= 0 and len(lowest) > 1
    assert await pool.fetchval("SELECT count(*) FROM reservations WHERE status = 'ACTIVE'") == 10
    assert await queries.ledger_balance(pool, product) == (10, 10)
    assert await cached_available(projection.cache.gate.client, projection.cache.gate.prefix, [product]) == {
        product: 0
    }


async def test_two_product_orders_locked_in_opposite_request_orders_never_deadlock(
    pool: asyncpg.Pool, projection: Projection
):
    a, b = await new_products(pool, 1000, count=2)
    reserve = partial(apply_events, settings=SETTINGS, projection=projection)
    events = [approved([(a, 1), (b, 1)] if i % 2 else [(b, 1), (a, 1)]) for i in range(300)]
    results = await asyncio.wait_for(
        asyncio.gather(*(deliver(pool, reserve, e) for e in events), return_exceptions=True), 120
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not [e for e in errors if isinstance(e, DeadlockDetectedError)]
    assert errors == []
    for p in (a, b):
        row = await _stock(pool, p)
        assert (row["on_hand"], row["reserved"]) == (1000, 300)
        assert await queries.ledger_balance(pool, p) == (1000, 300)


async def test_commit_and_expiry_racing_at_the_deadline_settle_each_reservation_exactly_once(
    pool: asyncpg.Pool, projection: Projection
):
    """The handler's commit and the sweeper's expiry run at once, near the reservation's deadline,
    many times: whoever wins, exactly one settlement happens and the stock adds up."""
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    [product] = await new_products(pool, 1000)
    outcomes = {"COMMITTED": 0, "EXPIRED": 0}
    for i in range(60):
        ttl_ms = rng.uniform(0, 15)
        settings = InventorySettings(reservation_ttl=f"{ttl_ms}ms")
        event = approved([(product, 1)])
        await deliver(pool, partial(apply_events, settings=settings, projection=projection), event)
        await asyncio.sleep(rng.uniform(0, 0.015))  # noqa: ASYNC110 - a seeded offset around the deadline
        handled, swept = await asyncio.gather(
            deliver(
                pool,
                partial(apply_events, settings=SETTINGS, projection=projection),
                scheduled(event.order_id),
            ),
            sweep_once(pool, projection, 10),
        )
        rows = await pool.fetch(
            "SELECT m.kind FROM movements m JOIN reservations r USING (reservation_id)"
            " WHERE r.order_id = $1 AND m.kind <> 'reserve'",
            event.order_id,
        )
        status = await pool.fetchval("SELECT status FROM reservations WHERE order_id = $1", event.order_id)
        assert len(rows) == 1, f"seed {seed}, round {i}: {rows}"
        assert rows[0]["kind"] == {"COMMITTED": "commit", "EXPIRED": "expire"}[status], f"seed {seed}"
        emitted = [e.event_type for e in handled]
        assert emitted == (
            ["inventory.committed"] if status == "COMMITTED" else [] if swept else ["inventory.released"]
        ), f"seed {seed}, round {i}: {emitted}"
        outcomes[status] += 1
    print(f"seed {seed}: {outcomes}")
    committed = outcomes["COMMITTED"]
    assert await queries.ledger_balance(pool, product) == (1000 - committed, 0)
    row = await _stock(pool, product)
    assert (row["on_hand"], row["reserved"]) == (1000 - committed, 0)
