"""The holds API through the real routes on a real database: create (all lines or nothing), read,
release, commit over the counter, each with its error codes and Idempotency-Key, a due hold expired by
the request that finds it so, and a burst of holds on the last units of two warehouses."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient

from inventory.availability.cache import cached_available
from inventory.availability.projection import Projection
from inventory.stock import queries
from stack.tokens import Signer
from tests.integration.inventory.holds_support import call, hold, hold_client, ledger, lines, until_due
from tests.integration.inventory.support import new_products, receive, warehouse

KEY = {"Idempotency-Key": "hold-key-1"}


@pytest_asyncio.fixture
async def client(pool: asyncpg.Pool, projection: Projection, signer: Signer) -> AsyncIterator[TestClient]:
    async with hold_client(pool, projection, signer) as c:
        yield c


async def _stock(pool: asyncpg.Pool, product: UUID) -> tuple[int, int]:
    row = await pool.fetchrow("SELECT on_hand, reserved FROM products WHERE product_id = $1", product)
    return row["on_hand"], row["reserved"]


async def test_a_hold_takes_every_line_and_is_read_back(client: TestClient, pool, projection: Projection):
    p, q = sorted(await new_products(pool, 10, count=2))
    status, body, r = await call(client, "POST", "/holds", json={"items": lines((p, 2), (q, 1), (p, 1))})
    assert status == 201 and r.headers["Location"] == f"/holds/{body['hold_id']}"
    hold_id = UUID(body["hold_id"])
    assert (body["status"], body["order_id"], body["reference"]) == ("ACTIVE", None, None)
    assert body["items"] == [
        {"product_id": str(p), "quantity": 3, "allocations": [{"warehouse_id": "main", "quantity": 3}]},
        {"product_id": str(q), "quantity": 1, "allocations": [{"warehouse_id": "main", "quantity": 1}]},
    ]
    expires = datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(seconds=600))) < timedelta(seconds=30)  # the default
    assert (await call(client, "GET", f"/holds/{hold_id}"))[:2] == (200, body)
    assert await _stock(pool, p) == (10, 3) and await _stock(pool, q) == (10, 1)
    assert await ledger(pool, hold_id) == [
        ("reserve", "main", 3, None, None),
        ("reserve", "main", 1, None, None),
    ]
    row = await pool.fetchrow("SELECT origin, order_id FROM reservations WHERE reservation_id = $1", hold_id)
    assert (row["origin"], row["order_id"]) == ("hold", None)
    gate = projection.cache.gate
    assert await cached_available(gate.client, gate.prefix, [p, q]) == {p: 7, q: 9}  # told after the commit
    assert hold_id in await projection.index.members()


async def test_a_hold_asks_its_own_ttl_within_the_maximum(client: TestClient, pool):
    [p] = await new_products(pool, 10)
    body = await hold(client, (p, 1), ttl_s=30)
    expires = datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(seconds=30))) < timedelta(seconds=10)
    for bad in (0, -1, 3601, 86_401, 1.5, "30", True):
        status, answer, _ = await call(client, "POST", "/holds", json={"items": lines((p, 1)), "ttl_s": bad})
        assert status == 422 and answer["error"]["details"][0]["field"] == "ttl_s", (bad, answer)
    assert await _stock(pool, p) == (10, 1)


@pytest.mark.parametrize(
    "body",
    [
        {"items": []},
        {},
        {"items": [{"product_id": "not-a-uuid", "quantity": 1}]},
        {"items": [{"product_id": str(uuid4()), "quantity": 0}]},
        {"items": [{"product_id": str(uuid4()), "quantity": "2"}]},
        {"items": [{"product_id": str(uuid4()), "quantity": 1}], "other": 1},
    ],
)
async def test_a_bad_body_is_a_422(client: TestClient, pool, body):
    status, answer, _ = await call(client, "POST", "/holds", json=body)
    assert (status, answer["error"]["code"]) == (422, "validation_failed"), answer


async def test_an_unknown_product_is_a_422_and_holds_nothing(client: TestClient, pool):
    [p] = await new_products(pool, 10)
    ghost = uuid4()
    status, body, _ = await call(client, "POST", "/holds", json={"items": lines((p, 1), (ghost, 1))})
    assert (status, body["error"]["code"]) == (422, "unknown_product")
    assert [d["product_id"] for d in body["error"]["details"]] == [str(ghost)]
    assert await _stock(pool, p) == (10, 0) and await pool.fetchval("SELECT count(*) FROM reservations") == 0


async def test_a_line_that_cannot_be_met_holds_nothing(client: TestClient, pool):
    p, q = sorted(await new_products(pool, 3, count=2))
    status, body, _ = await call(client, "POST", "/holds", json={"items": lines((p, 2), (q, 4))}, headers=KEY)
    assert (status, body["error"]["code"]) == (409, "sold_out")
    assert body["error"]["details"] == [{"product_id": str(q), "requested": 4, "available": 3}]
    assert await _stock(pool, p) == (3, 0) and await pool.fetchval("SELECT count(*) FROM reservations") == 0
    status, _, _ = await call(client, "POST", "/holds", json={"items": lines((p, 2), (q, 3))}, headers=KEY)
    assert status == 201  # a refused write left the key free


async def test_a_retry_with_the_key_gets_the_same_hold_and_holds_once(client: TestClient, pool):
    [p] = await new_products(pool, 10)
    body = {"items": lines((p, 2))}
    first = await call(client, "POST", "/holds", json=body, headers=KEY)
    again = await call(client, "POST", "/holds", json=body, headers=KEY)
    assert first[:2] == again[:2] and first[0] == 201 and again[2].headers["Idempotent-Replayed"] == "true"
    assert await _stock(pool, p) == (10, 2) and await pool.fetchval("SELECT count(*) FROM reservations") == 1
    status, answer, _ = await call(client, "POST", "/holds", json={"items": lines((p, 3))}, headers=KEY)
    assert (status, answer["error"]["code"]) == (409, "idempotency_key_reused")
    assert await _stock(pool, p) == (10, 2)


async def test_release_gives_the_stock_back_once(client: TestClient, pool, projection: Projection):
    [p] = await new_products(pool, 10)
    hold_id = (await hold(client, (p, 4)))["hold_id"]
    status, body, _ = await call(client, "POST", f"/holds/{hold_id}/release")
    assert (status, body["status"]) == (200, "RELEASED")
    assert (await call(client, "POST", f"/holds/{hold_id}/release"))[:2] == (200, body)  # twice: the same
    assert (await call(client, "GET", f"/holds/{hold_id}"))[1]["status"] == "RELEASED"
    assert await _stock(pool, p) == (10, 0)
    assert [m[0] for m in await ledger(pool, UUID(hold_id))] == ["reserve", "release"]
    status, body, _ = await call(client, "POST", f"/holds/{hold_id}/commit", json={"reference": "POS-1"})
    assert (status, body["error"]["code"]) == (409, "hold_not_active")
    assert body["error"]["details"] == [{"hold_id": hold_id, "status": "RELEASED"}]
    assert UUID(hold_id) not in await projection.index.members()


async def test_commit_sells_the_stock_with_its_reference(client: TestClient, pool):
    [p] = await new_products(pool, 3)
    hold_id = (await hold(client, (p, 2)))["hold_id"]
    status, body, _ = await call(
        client, "POST", f"/holds/{hold_id}/commit", json={"reference": "POS-42"}, headers=KEY
    )
    assert (status, body["status"], body["reference"]) == (200, "COMMITTED", "POS-42")
    again = await call(client, "POST", f"/holds/{hold_id}/commit", json={"reference": "POS-42"}, headers=KEY)
    assert again[:2] == (200, body)  # the key replays the answer
    status, answer, _ = await call(client, "POST", f"/holds/{hold_id}/commit", json={"reference": "POS-42"})
    assert (status, answer["error"]["code"]) == (409, "hold_not_active")
    assert (await call(client, "POST", f"/holds/{hold_id}/release"))[0] == 409
    assert await _stock(pool, p) == (1, 0)
    assert await ledger(pool, UUID(hold_id)) == [
        ("reserve", "main", 2, None, None),
        ("commit", "main", 2, None, "POS-42"),
    ]
    ref = await pool.fetchval("SELECT reference FROM reservations WHERE reservation_id = $1", UUID(hold_id))
    assert ref == "POS-42"


@pytest.mark.parametrize(
    "method, suffix, body",
    [("GET", "", None), ("POST", "/release", None), ("POST", "/commit", {"reference": "x"})],
)
async def test_an_unknown_hold_is_a_404(client: TestClient, pool, method, suffix, body):
    status, answer, _ = await call(client, method, f"/holds/{uuid4()}{suffix}", json=body)
    assert (status, answer["error"]["code"]) == (404, "not_found")


async def test_malformed_ids_and_commit_bodies(client: TestClient, pool):
    assert (await call(client, "GET", "/holds/nope"))[0] == 404  # a read: there is no such thing
    assert (await call(client, "POST", "/holds/nope/release"))[0] == 422  # a write: the client erred
    [p] = await new_products(pool, 3)
    hold_id = (await hold(client, (p, 1)))["hold_id"]
    for bad in ({}, {"reference": ""}, {"reference": 5}, {"reference": "a\x00b"}):
        status, answer, _ = await call(client, "POST", f"/holds/{hold_id}/commit", json=bad)
        assert status == 422, (bad, answer)
    async with pool.acquire() as conn:  # an order's reservation is no hold
        order_reservation = uuid4()
        await conn.execute(
            "INSERT INTO reservations (reservation_id, order_id, status, expires_at) VALUES ($1, $2, 'ACTIVE', now())",
            order_reservation,
            uuid4(),
        )
    assert (await call(client, "GET", f"/holds/{order_reservation}"))[0] == 404
    assert (await call(client, "POST", f"/holds/{order_reservation}/release"))[0] == 404


async def test_a_due_hold_is_expired_by_the_release_that_finds_it_so(client: TestClient, pool, projection):
    [p] = await new_products(pool, 3)
    first, second = (
        (await hold(client, (p, 1), ttl_s=1))["hold_id"],
        (await hold(client, (p, 1), ttl_s=1))["hold_id"],
    )
    await until_due(pool, UUID(first), UUID(second))
    status, body, _ = await call(client, "POST", f"/holds/{first}/release", headers=KEY)
    assert (status, body["error"]["details"]) == (409, [{"hold_id": first, "status": "EXPIRED"}])
    assert (await call(client, "POST", f"/holds/{first}/release", headers=KEY))[:2] == (409, body)  # kept
    status, body, _ = await call(client, "POST", f"/holds/{second}/commit", json={"reference": "late"})
    assert (status, body["error"]["code"]) == (409, "hold_not_active")
    for h in (first, second):
        assert (await call(client, "GET", f"/holds/{h}"))[1]["status"] == "EXPIRED"
        assert [(m[0], m[4]) for m in await ledger(pool, UUID(h))] == [("reserve", None), ("expire", None)]
    assert await _stock(pool, p) == (3, 0)


async def test_a_hold_is_split_over_warehouses_as_an_order_is(client: TestClient, pool, projection):
    east = await warehouse(pool, f"east-{uuid4().hex[:6]}", 200)  # after main (100)
    [p] = await new_products(pool, 3)
    await receive(pool, projection, p, east, 2)
    body = await hold(client, (p, 5))
    assert body["items"][0]["allocations"] == [
        {"warehouse_id": east, "quantity": 2},
        {"warehouse_id": "main", "quantity": 3},
    ]  # by warehouse id
    assert (await call(client, "GET", f"/holds/{body['hold_id']}"))[1] == body
    status, answer, _ = await call(client, "POST", "/holds", json={"items": lines((p, 1))})
    assert (status, answer["error"]["details"]) == (
        409,
        [{"product_id": str(p), "requested": 1, "available": 0}],
    )


async def test_a_burst_on_the_last_units_of_two_warehouses_holds_exactly_them(
    client: TestClient, pool, projection
):
    east = await warehouse(pool, f"east-{uuid4().hex[:6]}", 50)
    [p] = await new_products(pool, 3)  # 3 in main
    await receive(pool, projection, p, east, 2)
    answers = await asyncio.gather(
        *(call(client, "POST", "/holds", json={"items": lines((p, 1))}) for _ in range(50))
    )
    statuses = sorted(s for s, _, _ in answers)
    assert statuses == [201] * 5 + [409] * 45
    assert {b["error"]["code"] for s, b, _ in answers if s == 409} == {"sold_out"}
    taken = [b["items"][0]["allocations"][0]["warehouse_id"] for s, b, _ in answers if s == 201]
    assert sorted(taken) == sorted([east] * 2 + ["main"] * 3)
    assert await _stock(pool, p) == (5, 5)
    places = await pool.fetch("SELECT on_hand - reserved AS available FROM stock WHERE product_id = $1", p)
    assert [r["available"] for r in places] == [0, 0]
    assert await queries.ledger_balance(pool, p) == (5, 5)
    gate = projection.cache.gate
    assert await cached_available(gate.client, gate.prefix, [p]) == {p: 0}
