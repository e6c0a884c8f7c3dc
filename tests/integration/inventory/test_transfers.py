"""POST /transfers through the real routes on a real database: two ledger rows with the transfer's id,
a stock row made where the product had none, every refusal with its code and nothing moved, crossed
transfers of one product at once (no deadlock, totals unchanged, each warehouse equal to its ledger),
and an Idempotency-Key retry that moves the stock once."""

import asyncio
import random
from collections.abc import AsyncIterator
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest_asyncio
from aiohttp.test_utils import TestClient

from inventory.availability.cache import decode
from inventory.availability.projection import Projection
from inventory.handlers import apply_events
from inventory.settings import InventorySettings
from inventory.stock import queries
from inventory.stock.repository import Snapshot
from servicekit import idempotency
from stack.tokens import Signer
from tests.integration.inventory.support import (
    approved,
    deliver,
    new_products,
    receive,
    serve_api,
    warehouse,
)


@pytest_asyncio.fixture
async def client(pool: asyncpg.Pool, projection: Projection, signer: Signer) -> AsyncIterator[TestClient]:
    async with serve_api(pool, projection, signer) as c:
        yield c


async def post(client: TestClient, body: dict, **kwargs: Any) -> tuple[int, Any, Any]:
    async with client.post("/transfers", json=body, **kwargs) as r:
        return r.status, await r.json(), r.headers


async def places(pool: asyncpg.Pool, product_id: UUID) -> dict[str, tuple[int, int]]:
    rows = await pool.fetch(
        "SELECT warehouse_id, on_hand, reserved FROM stock WHERE product_id = $1", product_id
    )
    return {r["warehouse_id"]: (r["on_hand"], r["reserved"]) for r in rows}


async def ledger(pool: asyncpg.Pool, product_id: UUID) -> list[tuple[str, str, int, str | None, str | None]]:
    rows = await pool.fetch(
        "SELECT warehouse_id, kind, quantity, reason, reference FROM movements WHERE product_id = $1 ORDER BY id",
        product_id,
    )
    return [tuple(r) for r in rows]


async def cached(projection: Projection, product_id: UUID) -> Snapshot | None:
    [raw] = await projection.cache.entries([product_id])
    return decode(product_id, raw)


def body(product_id: UUID, src: str, dst: str, quantity: int, reason: str | None = "rebalance") -> dict:
    return {
        "product_id": str(product_id),
        "from_warehouse": src,
        "to_warehouse": dst,
        "quantity": quantity,
        "reason": reason,
    }


async def test_a_transfer_writes_two_ledger_rows_and_makes_the_row_it_goes_to(client, pool, projection):
    east = await warehouse(pool, f"east-{uuid4().hex[:6]}", 5)
    [p] = await new_products(pool, 10)  # in main
    status, answer, _ = await post(client, body(p, "main", east, 4))
    assert status == 201, answer
    transfer = answer["transfer"]
    assert {k: v for k, v in transfer.items() if k != "transfer_id"} == {
        "product_id": str(p),
        "from_warehouse": "main",
        "to_warehouse": east,
        "quantity": 4,
        "reason": "rebalance",
    }
    assert (answer["stock"]["on_hand"], answer["stock"]["available"]) == (10, 10)
    assert [(w["warehouse_id"], w["on_hand"]) for w in answer["stock"]["warehouses"]] == [
        (east, 4),
        ("main", 6),
    ]
    ref = transfer["transfer_id"]
    assert (await ledger(pool, p))[1:] == [
        ("main", "transfer_out", 4, "rebalance", ref),
        (east, "transfer_in", 4, "rebalance", ref),
    ]
    assert await places(pool, p) == {"main": (6, 0), east: (4, 0)}
    for w, on_hand in (("main", 6), (east, 4)):
        assert await queries.ledger_balance(pool, p, w) == (on_hand, 0)
    # the cache learnt it after the commit: the database's snapshot, version and all
    assert await cached(projection, p) == (await queries.snapshots(pool, [p]))[p]


async def test_refused_transfers_are_clear_4xx_and_move_nothing(client, pool, projection):
    east = await warehouse(pool, f"east-{uuid4().hex[:6]}", 5)
    [p] = await new_products(pool, 5)
    await receive(pool, projection, p, east, 2)
    await deliver(
        pool, partial(apply_events, settings=InventorySettings(), projection=projection), approved([(p, 4)])
    )
    # main: 5 on hand, 4 reserved (the preferred warehouse east has only 2)
    assert await places(pool, p) == {"main": (5, 4), east: (2, 0)}
    before = await ledger(pool, p)
    cases = [
        (body(p, "main", east, 2), 409, "insufficient_stock"),
        (body(p, "main", "main", 1), 422, "validation_failed"),
        (body(p, "main", east, 0), 422, "validation_failed"),
        (body(p, "main", east, 1, reason=""), 422, "validation_failed"),
        (body(p, "nowhere", east, 1), 422, "unknown_warehouse"),
        (body(p, east, "nowhere", 1), 422, "unknown_warehouse"),
        (body(uuid4(), "main", east, 1), 422, "unknown_product"),
        ({**body(p, "main", east, 1), "extra": 1}, 422, "validation_failed"),
    ]
    for request, status, code in cases:
        got, answer, _ = await post(client, request)
        assert (got, answer["error"]["code"]) == (status, code), (request, answer)
    _, short, _ = await post(client, body(p, "main", east, 2))
    assert short["error"]["details"] == [
        {"product_id": str(p), "warehouse_id": "main", "requested": 2, "available": 1}
    ]
    _, nowhere, _ = await post(client, body(p, east, "nowhere", 1))
    assert nowhere["error"]["details"][0]["field"] == "to_warehouse"
    assert await ledger(pool, p) == before and await places(pool, p) == {"main": (5, 4), east: (2, 0)}
    got, _, _ = await post(client, body(p, "main", east, 1))  # what is unreserved may go
    assert got == 201 and await places(pool, p) == {"main": (4, 4), east: (3, 0)}


async def test_crossed_transfers_at_once_never_deadlock_and_keep_every_ledger(client, pool, projection):
    a = await warehouse(pool, f"a-{uuid4().hex[:6]}", 5)
    b = await warehouse(pool, f"b-{uuid4().hex[:6]}", 6)
    [p] = await new_products(pool, 1)  # 1 in main
    await receive(pool, projection, p, a, 20)
    await receive(pool, projection, p, b, 20)
    rng = random.Random(7)
    requests = [body(p, *(a, b) if i % 2 else (b, a), rng.randint(1, 8)) for i in range(60)]
    answers = await asyncio.gather(*(post(client, r) for r in requests))
    statuses = [s for s, _, _ in answers]
    assert set(statuses) <= {201, 409}, [a for a in answers if a[0] not in (201, 409)]
    assert statuses.count(201) >= 30, statuses  # most fit: each side holds 20
    done = [r for r, (s, _, _) in zip(requests, answers, strict=True) if s == 201]
    net = sum(r["quantity"] if r["to_warehouse"] == a else -r["quantity"] for r in done)
    assert await places(pool, p) == {"main": (1, 0), a: (20 + net, 0), b: (20 - net, 0)}
    assert await pool.fetchval("SELECT on_hand FROM products WHERE product_id = $1", p) == 41
    for w in ("main", a, b):
        assert await queries.ledger_balance(pool, p, w) == (await places(pool, p))[w]
    rows = await pool.fetchval(
        "SELECT count(*) FROM movements WHERE product_id = $1 AND kind IN ('transfer_in', 'transfer_out')", p
    )
    assert rows == 2 * len(done)


async def test_an_idempotent_retry_of_a_transfer_moves_the_stock_once(client, pool):
    east = await warehouse(pool, f"east-{uuid4().hex[:6]}", 5)
    [p] = await new_products(pool, 10)
    key = {idempotency.HEADER: f"transfer-{uuid4()}"}
    first = await post(client, body(p, "main", east, 3), headers=key)
    again = await post(client, body(p, "main", east, 3), headers=key)
    assert first[0] == again[0] == 201 and first[1] == again[1]  # the same transfer_id
    assert idempotency.REPLAYED not in first[2] and again[2][idempotency.REPLAYED] == "true"
    other = await post(client, body(p, "main", east, 2), headers=key)
    assert (other[0], other[1]["error"]["code"]) == (409, "idempotency_key_reused")
    assert await places(pool, p) == {"main": (7, 0), east: (3, 0)}
    assert len(await ledger(pool, p)) == 3  # the receipt and one transfer's two rows
