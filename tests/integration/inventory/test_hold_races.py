"""Hold against hold: many holds, each raced at once by a release, a commit, a checkout claiming it and
the sweeper, some of them due. Exactly one end happens to each (a due one is expired, whoever holds its
lock), the stock and the ledger balance, and the checker finds nothing."""

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable
from functools import partial
from typing import Any
from uuid import UUID

import asyncpg
import pytest_asyncio
from aiohttp.test_utils import TestClient

from checker import invariants
from checker.reads import inventory_facts
from inventory.availability.projection import Projection
from inventory.handlers import apply_events
from inventory.reservations.expiry import sweep, sweep_once
from inventory.settings import InventorySettings
from stack.tokens import Signer
from tests.integration.inventory.holds_support import approved_with_hold, call, hold, hold_client, until_due
from tests.integration.inventory.support import deliver, new_products

HOLDS = 24  # half of them due when the race starts
SEED = random.randrange(2**32)
SETTINGS = InventorySettings(reservation_ttl="10m")


@pytest_asyncio.fixture
async def client(pool: asyncpg.Pool, projection: Projection, signer: Signer) -> AsyncIterator[TestClient]:
    async with hold_client(pool, projection, signer) as c:
        yield c


async def _sweeper(pool: asyncpg.Pool, projection: Projection, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await sweep_once(pool, projection, 5)  # a PostgreSQL scan: every due hold is a candidate
        await asyncio.sleep(0)


async def test_each_hold_ends_exactly_once_whoever_races_for_it(
    client: TestClient, pool: asyncpg.Pool, projection: Projection, db_url: str
):
    [p] = await new_products(pool, 1000)
    due = [UUID((await hold(client, (p, 1), ttl_s=1))["hold_id"]) for _ in range(HOLDS // 2)]
    live = [UUID((await hold(client, (p, 1), ttl_s=600))["hold_id"]) for _ in range(HOLDS // 2)]
    await until_due(pool, *due)
    apply = partial(apply_events, settings=SETTINGS, projection=projection)
    claims = {h: approved_with_hold([(p, 1)], h) for h in due + live}

    rng = random.Random(SEED)

    async def jittered(contender: Awaitable[Any]) -> Any:
        await asyncio.sleep(rng.uniform(0, 0.1))  # a start of its own, so each contender sometimes leads
        return await contender

    async def race(h: UUID) -> tuple[int, int, list]:
        released, committed, claimed = await asyncio.gather(
            jittered(call(client, "POST", f"/holds/{h}/release")),
            jittered(call(client, "POST", f"/holds/{h}/commit", json={"reference": f"POS-{h}"})),
            jittered(deliver(pool, apply, claims[h])),
        )
        return released[0], committed[0], claimed

    stop = asyncio.Event()
    sweeper = asyncio.create_task(_sweeper(pool, projection, stop))
    outcomes = dict(zip(due + live, await asyncio.gather(*(race(h) for h in due + live)), strict=True))
    stop.set()
    await sweeper

    ends: dict[str, int] = {}
    for h, (released, committed, [answer]) in outcomes.items():
        row = await pool.fetchrow("SELECT status, order_id FROM reservations WHERE reservation_id = $1", h)
        took_it = answer.event_type == "inventory.reserved" and answer.payload.reservation_id == h
        end = "CLAIMED" if row["order_id"] is not None else row["status"]
        ends[end] = ends.get(end, 0) + 1
        assert (end == "RELEASED") == (released == 200), (h, end, released)
        assert (end == "COMMITTED") == (committed == 200), (h, end, committed)
        assert (end == "CLAIMED") == took_it and (not took_it or row["order_id"] == claims[h].order_id)
        assert {released, committed} <= {200, 409}
        assert end != "ACTIVE"
        if h in due:  # the clock came first, whoever got the lock
            assert (end, row["order_id"]) == ("EXPIRED", None), (h, end)
        if not took_it and end in ("RELEASED", "EXPIRED"):  # the order reserved afresh
            assert answer.event_type == "inventory.reserved", answer
        elif not took_it:
            assert answer.payload.reason == "hold_mismatch", answer
    assert ends["EXPIRED"] == len(due) and sum(ends.values()) == HOLDS, (SEED, ends)

    facts = await inventory_facts(db_url)
    assert invariants.reservations_not_ended_once(facts) == []
    assert invariants.stock_equations(facts) == []
    fresh = sum(1 for _, _, [a] in outcomes.values() if a.event_type == "inventory.reserved")
    committed = ends.get("COMMITTED", 0)
    row = await pool.fetchrow("SELECT on_hand, reserved FROM products WHERE product_id = $1", p)
    assert (row["on_hand"], row["reserved"]) == (1000 - committed, fresh)


async def test_the_sweeper_expires_due_holds_from_the_index_and_from_a_scan(
    client: TestClient, pool: asyncpg.Pool, projection: Projection
):
    [p] = await new_products(pool, 10)
    indexed, lost, later = [UUID((await hold(client, (p, 1), ttl_s=t))["hold_id"]) for t in (1, 1, 600)]
    await projection.index.remove([lost])  # Redis lost its entry: only a PostgreSQL scan finds it
    await until_due(pool, indexed, lost)
    assert await sweep(pool, projection, 10, scan=False) == 1
    assert await sweep(pool, projection, 10, scan=True) == 1
    statuses = {r["reservation_id"]: r["status"] for r in await pool.fetch("SELECT * FROM reservations")}
    assert statuses == {indexed: "EXPIRED", lost: "EXPIRED", later: "ACTIVE"}
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0  # a hold no order claimed tells nobody
    assert (await pool.fetchrow("SELECT on_hand, reserved FROM products WHERE product_id = $1", p))[1] == 1
    assert await projection.index.members() == [later]
