"""POST /inventory/batch through the real routes on a real database: receive, count and adjust with one
ledger row per changed line, all or nothing (one bad line changes nothing), 1,000 lines accepted and
1,001 refused, an Idempotency-Key retry that moves the ledger once, and count and adjust batches racing
the saga's reservations on the same products."""

import asyncio
import json
import random
from collections.abc import AsyncIterator
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest_asyncio
from aiohttp.test_utils import TestClient

from inventory.api.batches import MAX_BATCH_BYTES
from inventory.availability.cache import decode
from inventory.availability.projection import Projection
from inventory.handlers import apply_events
from inventory.settings import InventorySettings
from inventory.stock import queries
from inventory.stock.move_rules import MAX_LINES
from runtime.http import MAX_BODY_BYTES
from servicekit import idempotency
from stack.tokens import Signer
from tests.integration.inventory.support import approved, deliver, failed, new_products, serve_api, warehouse

SETTINGS = InventorySettings(reservation_ttl="10m")


@pytest_asyncio.fixture
async def client(pool: asyncpg.Pool, projection: Projection, signer: Signer) -> AsyncIterator[TestClient]:
    async with serve_api(pool, projection, signer) as c:
        yield c


async def batch(client: TestClient, kind: str, warehouse_id: str, lines, reason=None, **kwargs: Any):
    body = {
        "kind": kind,
        "warehouse_id": warehouse_id,
        "lines": [{"product_id": str(p), "quantity": q} for p, q in lines],
    }
    if reason is not None:
        body["reason"] = reason
    async with client.post("/inventory/batch", json=body, **kwargs) as r:
        return r.status, await r.json(), r.headers


async def places(
    pool: asyncpg.Pool, product_ids: list[UUID], warehouse_id: str = "main"
) -> list[tuple[int, int]]:
    """(on_hand, reserved) of each product in the warehouse, (0, 0) where it has no row."""
    rows = await pool.fetch(
        "SELECT product_id, on_hand, reserved FROM stock WHERE product_id = ANY($1::uuid[]) AND warehouse_id = $2",
        product_ids,
        warehouse_id,
    )
    found = {r["product_id"]: (r["on_hand"], r["reserved"]) for r in rows}
    return [found.get(p, (0, 0)) for p in product_ids]


async def ledger_rows(pool: asyncpg.Pool, product_ids: list[UUID]) -> list[tuple]:
    rows = await pool.fetch(
        "SELECT product_id, warehouse_id, kind, quantity, reason, reference FROM movements"
        " WHERE product_id = ANY($1::uuid[]) ORDER BY id",
        product_ids,
    )
    return [tuple(r) for r in rows]


async def assert_ledgers_balance(pool: asyncpg.Pool, product_ids: list[UUID]) -> None:
    rows = await pool.fetch(
        "SELECT product_id, warehouse_id, on_hand, reserved FROM stock WHERE product_id = ANY($1::uuid[])",
        product_ids,
    )
    for r in rows:
        assert await queries.ledger_balance(pool, r["product_id"], r["warehouse_id"]) == (
            r["on_hand"],
            r["reserved"],
        )
    totals = await pool.fetch(
        "SELECT p.product_id, p.on_hand, p.reserved, sum(s.on_hand) AS h, sum(s.reserved) AS r"
        " FROM products p JOIN stock s USING (product_id) WHERE p.product_id = ANY($1::uuid[])"
        " GROUP BY p.product_id, p.on_hand, p.reserved",
        product_ids,
    )
    assert all((t["on_hand"], t["reserved"]) == (t["h"], t["r"]) for t in totals), totals


async def test_a_receipt_into_a_new_warehouse_makes_its_rows_and_answers_each_line(client, pool, projection):
    east = await warehouse(pool, f"east-{uuid4().hex[:6]}", 5)
    a, b = await new_products(pool, 10, count=2)  # 10 each in main
    status, answer, _ = await batch(client, "receive", east, [(b, 3), (a, 5)], reason="PO-7")
    assert status == 200, answer
    assert (answer["kind"], answer["warehouse_id"]) == ("receive", east)
    assert answer["lines"] == [
        {
            "product_id": str(b),
            "quantity": 3,
            "moved": 3,
            "before": {"on_hand": 0, "reserved": 0, "product_available": 10},
            "after": {"on_hand": 3, "reserved": 0, "product_available": 13},
        },
        {
            "product_id": str(a),
            "quantity": 5,
            "moved": 5,
            "before": {"on_hand": 0, "reserved": 0, "product_available": 10},
            "after": {"on_hand": 5, "reserved": 0, "product_available": 15},
        },
    ]
    ref = answer["batch_id"]
    assert sorted(r for r in await ledger_rows(pool, [a, b]) if r[1] == east) == sorted(
        [(a, east, "receive", 5, "PO-7", ref), (b, east, "receive", 3, "PO-7", ref)]
    )
    assert await places(pool, [a, b], east) == [(5, 0), (3, 0)]
    for p, on_hand in ((a, 15), (b, 13)):  # the cache learnt every product after the commit
        [raw] = await projection.cache.entries([p])
        assert decode(p, raw) == (await queries.snapshots(pool, [p]))[p] and decode(p, raw).on_hand == on_hand
    await assert_ledgers_balance(pool, [a, b])


async def test_a_count_writes_the_differences_and_nothing_where_it_agrees(client, pool, projection):
    a, b, c = await new_products(pool, 10, count=3)
    status, answer, _ = await batch(client, "count", "main", [(a, 7), (b, 10), (c, 12)])
    assert status == 200, answer
    assert [(x["moved"], x["after"]["on_hand"]) for x in answer["lines"]] == [(-3, 7), (0, 10), (2, 12)]
    counts = [r for r in await ledger_rows(pool, [a, b, c]) if r[2] == "count"]
    assert sorted(counts) == sorted(
        [
            (a, "main", "count", -3, "cycle_count", answer["batch_id"]),
            (c, "main", "count", 2, "cycle_count", answer["batch_id"]),
        ]
    )
    assert await places(pool, [a, b, c]) == [(7, 0), (10, 0), (12, 0)]
    await assert_ledgers_balance(pool, [a, b, c])


async def test_a_count_or_adjustment_below_the_reserved_units_refuses_the_whole_batch(
    client, pool, projection
):
    a, b, c = await new_products(pool, 10, count=3)
    await deliver(
        pool, partial(apply_events, settings=SETTINGS, projection=projection), approved([(b, 6), (c, 2)])
    )
    before = await ledger_rows(pool, [a, b, c])
    status, answer, _ = await batch(client, "count", "main", [(a, 1), (b, 5), (c, 1)])
    assert (status, answer["error"]["code"]) == (409, "insufficient_stock"), answer
    assert answer["error"]["details"] == [
        {"line": 1, "product_id": str(b), "warehouse_id": "main", "requested": 5, "available": 4},
        {"line": 2, "product_id": str(c), "warehouse_id": "main", "requested": 9, "available": 8},
    ]
    status, answer, _ = await batch(client, "adjust", "main", [(a, -10), (b, -5)], reason="damaged")
    assert (status, [d["line"] for d in answer["error"]["details"]]) == (409, [1]), answer
    assert await ledger_rows(pool, [a, b, c]) == before  # line a was fine: it did not move either
    assert await places(pool, [a, b, c]) == [(10, 0), (10, 6), (10, 2)]
    status, answer, _ = await batch(client, "adjust", "main", [(a, -10), (b, -4)], reason="damaged")
    assert status == 200 and await places(pool, [a, b]) == [(0, 0), (6, 6)], answer


async def test_one_bad_line_refuses_the_batch_naming_its_lines_and_changes_nothing(client, pool):
    a, b = await new_products(pool, 10, count=2)
    missing = uuid4()
    before = await ledger_rows(pool, [a, b])
    cases = [
        ("receive", [(a, 1), (missing, 2), (b, 1)], None, "unknown_product", [(1, missing)]),
        ("receive", [(a, 1), (b, 1), (a, 2)], None, "validation_failed", [(2, a)]),
        ("receive", [(a, 1), (b, 0)], None, "validation_failed", [(1, b)]),
        ("count", [(a, 1), (b, -1)], None, "validation_failed", [(1, b)]),
        ("adjust", [(a, 0), (b, 1)], "why", "validation_failed", [(0, a)]),
    ]
    for kind, lines, reason, code, named in cases:
        status, answer, _ = await batch(client, kind, "main", lines, reason=reason)
        assert (status, answer["error"]["code"]) == (422, code), (kind, lines, answer)
        assert [(d["line"], d["product_id"]) for d in answer["error"]["details"]] == [
            (i, str(p)) for i, p in named
        ]
    for kind, lines, reason, field in (
        ("adjust", [(a, 1)], None, "reason"),  # an adjustment needs a reason
        ("count", [(a, 1)], "why", "reason"),  # a count's rows say cycle_count
        ("receive", [], None, "lines"),
    ):
        status, answer, _ = await batch(client, kind, "main", lines, reason=reason)
        assert (status, answer["error"]["details"][0]["field"]) == (422, field), answer
    status, answer, _ = await batch(client, "receive", "nowhere", [(a, 1)])
    assert (status, answer["error"]["code"]) == (422, "unknown_warehouse"), answer
    assert await ledger_rows(pool, [a, b]) == before
    assert await places(pool, [a, b]) == [(10, 0), (10, 0)]


async def test_a_batch_of_1000_lines_is_one_transaction_and_1001_are_refused(client, pool, projection):
    products = await new_products(pool, 5, count=MAX_LINES + 1)
    body = {
        "kind": "receive",
        "warehouse_id": "main",
        "lines": [{"product_id": str(p), "quantity": 2} for p in products[:MAX_LINES]],
    }
    raw = json.dumps(body, indent=2).encode()
    assert MAX_BODY_BYTES < len(raw) <= MAX_BATCH_BYTES  # over every other route's limit
    async with client.post("/inventory/batch", data=raw, headers={"Content-Type": "application/json"}) as r:
        assert r.status == 200, await r.text()
        assert len((await r.json())["lines"]) == MAX_LINES
    assert set(await places(pool, products[:MAX_LINES])) == {(7, 0)}
    refs = await pool.fetch(
        "SELECT DISTINCT reference FROM movements WHERE product_id = ANY($1::uuid[]) AND reason IS NULL AND kind = 'receive'",
        products,
    )
    assert len(refs) == 1  # one batch: all its rows share its id
    too_many = {**body, "lines": [{"product_id": str(p), "quantity": 2} for p in products]}
    async with client.post("/inventory/batch", json=too_many) as r:
        answer = await r.json()
        assert (r.status, answer["error"]["details"][0]["field"]) == (422, "lines"), answer
    assert await places(pool, [products[-1]]) == [(5, 0)]
    padded = json.dumps(body).encode() + b" " * MAX_BATCH_BYTES  # too large to be read at all
    async with client.post(
        "/inventory/batch", data=padded, headers={"Content-Type": "application/json"}
    ) as r:
        assert (r.status, (await r.json())["error"]["code"]) == (413, "payload_too_large")
    # the other routes keep the application's limit
    big = json.dumps({"quantity": 1, "reason": "x" * MAX_BODY_BYTES}).encode()
    async with client.post(
        f"/inventory/{products[0]}/stock", data=big, headers={"Content-Type": "application/json"}
    ) as r:
        assert r.status == 413


async def test_an_idempotent_retry_of_a_batch_moves_the_ledger_once(client, pool):
    a, b = await new_products(pool, 10, count=2)
    key = {idempotency.HEADER: f"batch-{uuid4()}"}
    first = await batch(client, "adjust", "main", [(a, -2), (b, 3)], reason="recount", headers=key)
    again = await batch(client, "adjust", "main", [(a, -2), (b, 3)], reason="recount", headers=key)
    assert first[0] == again[0] == 200 and first[1] == again[1]
    assert again[2][idempotency.REPLAYED] == "true"
    # the key is claimed with the body read_model read (through its larger limit), not an empty one
    other = await batch(client, "adjust", "main", [(a, -1)], reason="recount", headers=key)
    assert (other[0], other[1]["error"]["code"]) == (409, "idempotency_key_reused")
    assert await places(pool, [a, b]) == [(8, 0), (13, 0)]
    assert len([r for r in await ledger_rows(pool, [a, b]) if r[2] == "adjust"]) == 2


async def test_count_and_adjust_batches_racing_reservations_never_oversell(client, pool, projection):
    """Rounds of orders reserving (and some released) through the saga's batch handler while count and
    adjust batches hit the same products: every batch is applied whole or refused whole."""
    products = await new_products(pool, 30, count=6)
    apply = partial(apply_events, settings=SETTINGS, projection=projection)
    rng = random.Random(11)
    applied_rows, outcomes = 0, []

    async def orders() -> None:
        for _ in range(4):
            events = [approved([(p, rng.randint(1, 3)) for p in rng.sample(products, 3)]) for _ in range(3)]
            emitted = await deliver(pool, apply, *events)
            taken = [e.order_id for e in emitted if e.event_type == "inventory.reserved"]
            if taken:  # one of them is released again
                await deliver(pool, apply, failed(taken[0]))

    async def batches() -> None:
        nonlocal applied_rows
        for i in range(4):
            kind = ("count", "adjust")[i % 2]
            lines = [
                (p, rng.randint(0, 30) if kind == "count" else rng.randint(-12, 6) or 1) for p in products
            ]
            status, answer, _ = await batch(
                client, kind, "main", lines, reason=None if kind == "count" else "audit"
            )
            outcomes.append(status)
            if status == 200:
                applied_rows += sum(1 for x in answer["lines"] if x["moved"] != 0)
                assert all(x["after"]["on_hand"] >= x["after"]["reserved"] for x in answer["lines"])
            else:
                assert (status, answer["error"]["code"]) == (409, "insufficient_stock"), answer
                assert all(d["requested"] > d["available"] for d in answer["error"]["details"])

    for _ in range(5):
        await asyncio.gather(orders(), batches(), batches())
        rows = await pool.fetch(
            "SELECT on_hand, reserved FROM products WHERE product_id = ANY($1::uuid[])", products
        )
        assert all(0 <= r["reserved"] <= r["on_hand"] for r in rows), rows
        await assert_ledgers_balance(pool, products)
    assert {200, 409} <= set(outcomes), outcomes  # both were seen: the race decided some each way
    written = await pool.fetchval(
        "SELECT count(*) FROM movements WHERE product_id = ANY($1::uuid[]) AND kind IN ('count', 'adjust')",
        products,
    )
    assert written == applied_rows  # a refused batch wrote no row at all
    reserved = await pool.fetchval(
        "SELECT coalesce(sum(quantity), 0) FROM reservation_items i JOIN reservations r USING (reservation_id)"
        " WHERE r.status = 'ACTIVE' AND i.product_id = ANY($1::uuid[])",
        products,
    )
    assert reserved == await pool.fetchval(
        "SELECT sum(reserved) FROM products WHERE product_id = ANY($1::uuid[])", products
    )
