"""The sweeper expires exactly the due reservations: from the Redis index or a PostgreSQL scan, alone
or with another sweeper process at once (FOR UPDATE SKIP LOCKED), and when Redis lost the index."""

import asyncio
import os
import sys
from functools import partial
from pathlib import Path
from uuid import UUID

import asyncpg
import pytest

from inventory.availability.projection import Projection
from inventory.handlers import apply_events
from inventory.reservations.expiry import sweep
from inventory.settings import InventorySettings
from inventory.stock import queries
from stack.wait import eventually
from tests.integration.inventory.support import approved, deliver, new_products, scheduled

ROOT = Path(__file__).resolve().parents[3]
DUE, LATER = InventorySettings(reservation_ttl="0s"), InventorySettings(reservation_ttl="10m")


async def _reserve(pool: asyncpg.Pool, projection: Projection, product: UUID, n: int, settings) -> list[UUID]:
    events = [approved([(product, 1)]) for _ in range(n)]
    reserve = partial(apply_events, settings=settings, projection=projection)
    for e in events:
        await deliver(pool, reserve, e)
    return [e.order_id for e in events]


async def _settlements(pool: asyncpg.Pool) -> dict[UUID, list[str]]:
    rows = await pool.fetch(
        "SELECT r.order_id, m.kind FROM reservations r LEFT JOIN movements m"
        " ON m.reservation_id = r.reservation_id AND m.kind <> 'reserve'"
    )
    out: dict[UUID, list[str]] = {}
    for r in rows:
        out.setdefault(r["order_id"], [])
        if r["kind"]:
            out[r["order_id"]].append(r["kind"])
    return out


async def _sweeper_process(db_url: str, redis_url: str, prefix: str, mode: str, batch: int, env: dict):
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.inventory.sweeper_process",
        db_url,
        redis_url,
        prefix,
        mode,
        str(batch),
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
    )


@pytest.mark.parametrize("mode", ["index", "scan"])
async def test_two_sweeper_processes_expire_each_due_reservation_exactly_once(
    pool: asyncpg.Pool, projection: Projection, db_url: str, infra, prefix: str, tmp_path: Path, mode: str
):
    [product] = await new_products(pool, 1000)
    due = await _reserve(pool, projection, product, 120, DUE)
    later = await _reserve(pool, projection, product, 15, LATER)
    batch = 10
    # A claims its first batch and holds it (fault point); B must skip those rows and do all the rest
    a = await _sweeper_process(
        db_url,
        infra.redis_url,
        prefix,
        mode,
        batch,
        {
            "FAULT_POINTS": "inventory.expire_claimed=wait",
            "FAULT_BARRIER_DIR": str(tmp_path),
        },
    )
    try:
        await eventually(
            lambda: (tmp_path / "inventory.expire_claimed.waiting").exists(), 30, 0.02, "A claimed"
        )
        b = await _sweeper_process(db_url, infra.redis_url, prefix, mode, batch, {})
        b_out, _ = await asyncio.wait_for(b.communicate(), 60)
        (tmp_path / "inventory.expire_claimed.release").touch()
        a_out, _ = await asyncio.wait_for(a.communicate(), 60)
    finally:
        if a.returncode is None:
            a.kill()
    assert (int(a_out), int(b_out)) == (batch, len(due) - batch)
    settled = await _settlements(pool)
    assert all(settled[o] == ["expire"] for o in due), {
        o: settled[o] for o in due if settled[o] != ["expire"]
    }
    assert all(settled[o] == [] for o in later)
    assert await pool.fetchval("SELECT count(*) FROM reservations WHERE status = 'ACTIVE'") == len(later)
    assert await queries.ledger_balance(pool, product) == (1000, len(later))
    assert set(await projection.index.members()) == {
        r["reservation_id"]
        for r in await pool.fetch("SELECT reservation_id FROM reservations WHERE status = 'ACTIVE'")
    }


async def test_due_reservations_the_index_lost_are_found_by_the_postgresql_scan(
    pool: asyncpg.Pool, projection: Projection
):
    [product] = await new_products(pool, 100)
    due = await _reserve(pool, projection, product, 7, DUE)
    await _reserve(pool, projection, product, 3, LATER)
    await projection.cache.gate.client.delete(projection.index.key)  # Redis lost the index
    assert await sweep(pool, projection, 5, scan=False) == 0
    assert await sweep(pool, projection, 5, scan=True) == 7
    settled = await _settlements(pool)
    assert all(settled[o] == ["expire"] for o in due)
    assert await pool.fetchval("SELECT count(*) FROM reservations WHERE status = 'ACTIVE'") == 3


async def test_index_entries_of_settled_reservations_are_dropped_and_expire_nothing(
    pool: asyncpg.Pool, projection: Projection
):
    [product] = await new_products(pool, 100)
    [order] = await _reserve(pool, projection, product, 1, InventorySettings(reservation_ttl="300ms"))
    reservation = await pool.fetchval("SELECT reservation_id FROM reservations WHERE order_id = $1", order)
    await deliver(pool, partial(apply_events, settings=LATER, projection=projection), scheduled(order))
    await projection.index.add(
        [(reservation, await pool.fetchval("SELECT now() - interval '1s'"))]
    )  # stale entry
    assert await sweep(pool, projection, 10, scan=False) == 0
    assert await projection.index.members() == []
    assert (await _settlements(pool))[order] == ["commit"]
