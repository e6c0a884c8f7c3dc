"""The inventory API as a user drives it: create and set stock, receive and adjust it, read availability
(one product or many), read the movements ledger, and get clear 4xx answers for bad input."""

import time
from uuid import uuid4

import pytest

from stack.redis_server import PrivateRedis
from stack.wait import eventually
from tests.support.checks import assert_clean
from tests.support.client import Api, Inventory
from tests.support.stock import prices_known, stock_view

pytestmark = pytest.mark.e2e


@pytest.fixture
def inv(stack, http) -> Inventory:
    return Inventory(http, stack.url("inventory"))


view = stock_view


async def test_put_creates_a_product_then_sets_its_stock_and_every_change_is_in_the_ledger(inv: Inventory):
    p = uuid4()
    status, body, r = await inv.call("PUT", f"/inventory/{p}", json={"name": "Blue mug", "quantity": 12})
    assert (status, body, r.headers["Location"]) == (201, view(p, 12), f"/inventory/{p}")
    status, body, r = await inv.call("GET", f"/inventory/{p}")
    assert (status, body) == (200, view(p, 12))
    assert r.headers["X-Availability-Source"] == "cache"  # written after the commit, before the answer
    status, body, _ = await inv.call(
        "PUT", f"/inventory/{p}", json={"name": "Blue mug, large", "quantity": 7}
    )
    assert (status, body) == (200, view(p, 7))
    assert (await inv.call("PUT", f"/inventory/{p}", json={"name": "Blue mug, large", "quantity": 7}))[
        0
    ] == 200
    status, page, _ = await inv.call("GET", f"/inventory/{p}/movements")
    assert status == 200 and page["next_cursor"] is None
    assert [(m["kind"], m["quantity"], m["reason"]) for m in page["movements"]] == [
        ("adjust", -5, "stock set to 7"),
        ("receive", 12, "created"),
    ]


async def test_receiving_adds_stock_and_an_adjustment_needs_a_reason_and_cannot_go_below_zero(inv: Inventory):
    p = uuid4()
    await inv.put(p, "Tea", 5)
    status, body, _ = await inv.call(
        "POST", f"/inventory/{p}/stock", json={"quantity": 10, "reason": "PO-881"}
    )
    assert (status, body) == (200, view(p, 15))
    status, body, _ = await inv.call(
        "POST", f"/inventory/{p}/stock", json={"kind": "adjust", "quantity": -3, "reason": "damaged in store"}
    )
    assert (status, body) == (200, view(p, 12))
    status, body, _ = await inv.call("POST", f"/inventory/{p}/stock", json={"kind": "adjust", "quantity": -2})
    assert status == 422 and body["error"]["details"][0]["field"] == "reason"
    status, body, _ = await inv.call("POST", f"/inventory/{p}/stock", json={"quantity": -2, "reason": "x"})
    assert status == 422 and body["error"]["details"][0]["field"] == "quantity"
    status, body, _ = await inv.call(
        "POST", f"/inventory/{p}/stock", json={"kind": "adjust", "quantity": -13, "reason": "count"}
    )
    assert status == 409 and body["error"]["code"] == "insufficient_stock"
    assert body["error"]["details"] == [{"product_id": str(p), "requested": 13, "available": 12}]
    status, body, _ = await inv.call("PUT", f"/inventory/{p}", json={"name": "Tea", "quantity": 12})
    assert (status, body) == (200, view(p, 12))
    kinds = [
        (m["kind"], m["quantity"])
        for m in (await inv.call("GET", f"/inventory/{p}/movements"))[1]["movements"]
    ]
    assert kinds == [("adjust", -3), ("receive", 10), ("receive", 5)]  # refused changes left no trace


async def test_the_ledger_pages_newest_first(inv: Inventory):
    p = uuid4()
    await inv.put(p, "Pens", 1)
    for n in range(2, 7):
        await inv.call("POST", f"/inventory/{p}/stock", json={"quantity": n})
    seen, cursor = [], None
    while True:
        query = f"?limit=2&cursor={cursor}" if cursor else "?limit=2"
        status, page, _ = await inv.call("GET", f"/inventory/{p}/movements{query}")
        assert status == 200 and len(page["movements"]) <= 2
        seen += [m["quantity"] for m in page["movements"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == [6, 5, 4, 3, 2, 1]


async def test_bulk_read_answers_known_products_and_names_the_unknown(inv: Inventory):
    a, b, missing = uuid4(), uuid4(), uuid4()
    await inv.put(a, "A", 3)
    await inv.put(b, "B", 4)
    status, body, _ = await inv.call("GET", f"/inventory?product_id={a}&product_id={b}&product_id={missing}")
    assert status == 200
    assert sorted(body["items"], key=lambda v: v["on_hand"]) == [view(a, 3), view(b, 4)]
    assert body["unknown"] == [str(missing)]
    for query in ("", "?product_id=nope", "?" + "&".join(f"product_id={uuid4()}" for _ in range(101))):
        status, body, _ = await inv.call("GET", f"/inventory{query}")
        assert status == 422 and body["error"]["code"] == "validation_failed", query


async def test_unknown_products_are_404_everywhere(inv: Inventory):
    p = uuid4()
    for method, path, body in [
        ("GET", f"/inventory/{p}", None),
        ("GET", f"/inventory/{p}/movements", None),
        ("POST", f"/inventory/{p}/stock", {"quantity": 1}),
        ("GET", "/inventory/not-a-uuid", None),
    ]:
        status, answer, _ = await inv.call(method, path, json=body)
        assert status == 404 and answer["error"]["code"] == "not_found", (method, path)


@pytest.mark.parametrize(
    "body, status",
    [
        ({"name": "x", "quantity": -1}, 422),
        ({"name": "x", "quantity": 2**63}, 422),
        ({"name": "x", "quantity": "5"}, 422),
        ({"name": "x", "quantity": True}, 422),
        ({"name": "x", "quantity": 1.5}, 422),
        ({"name": "", "quantity": 1}, 422),
        ({"name": "nul\u0000byte", "quantity": 1}, 422),
        ({"name": "x", "quantity": 1, "colour": "red"}, 422),
        ({"name": "x", "quantity": 1, "price": 0}, 422),
        ({"name": "x", "quantity": 1, "price": "2.999"}, 422),
        ({"quantity": 1}, 422),
        ([], 422),
    ],
)
async def test_invalid_bodies_are_422_with_the_error_shape(inv: Inventory, body, status):
    got, answer, _ = await inv.call("PUT", f"/inventory/{uuid4()}", json=body)
    assert got == status and answer["error"]["code"] == "validation_failed" and answer["error"]["details"]


async def test_malformed_requests_are_4xx_never_5xx(inv: Inventory):
    p = uuid4()
    cases = [
        ({"data": b'{"name": "x", "quantity": ', "headers": {"Content-Type": "application/json"}}, 400),
        ({"data": b'{"name": "x", "quantity": 1}', "headers": {"Content-Type": "text/plain"}}, 415),
        (
            {
                "data": b'{"name": "' + b"x" * 70_000 + b'", "quantity": 1}',
                "headers": {"Content-Type": "application/json"},
            },
            413,
        ),
    ]
    for kwargs, expected in cases:
        status, body, _ = await inv.call("PUT", f"/inventory/{p}", **kwargs)
        assert status == expected and "error" in body, (expected, body)
    status, body, _ = await inv.call("PUT", "/inventory/not-a-uuid", json={"name": "x", "quantity": 1})
    assert status == 422 and body["error"]["details"][0]["field"] == "product_id"
    for query in ("?limit=0", "?limit=abc", "?cursor=-1", "?cursor=99999999999999999999999"):
        await inv.put(p, "x", 1)
        status, body, _ = await inv.call("GET", f"/inventory/{p}/movements{query}")
        assert status == 422, query


async def test_the_openapi_document_describes_every_route(inv: Inventory):
    status, doc, _ = await inv.call("GET", "/openapi.json")
    assert status == 200 and doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {
        "/inventory",
        "/inventory/{product_id}",
        "/inventory/{product_id}/stock",
        "/inventory/{product_id}/movements",
        "/inventory/{product_id}/warehouses/{warehouse_id}",
        "/warehouses",
        "/warehouses/{warehouse_id}",
        "/transfers",
        "/inventory/batch",
        "/holds",
        "/holds/{hold_id}",
        "/holds/{hold_id}/release",
        "/holds/{hold_id}/commit",
    }
    assert {
        "SetStock",
        "ChangeStock",
        "StockView",
        "StockList",
        "MovementPage",
        "CreateHold",
        "HoldView",
        "ErrorBody",
    } <= set(doc["components"]["schemas"])


async def test_orders_move_the_availability_the_api_shows(stack, inv: Inventory, api: Api):
    p = uuid4()
    await inv.put(p, "Lamp", 6, "20.00")
    await prices_known(stack, {p: "20.00"})
    order_id = await api.place([(p, 4, "20.00")])
    assert (await api.terminal(order_id))["status"] == "CONFIRMED"
    assert await inv.get(p) == view(p, 2, price="20.00")
    status, page, _ = await inv.call("GET", f"/inventory/{p}/movements")
    assert [(m["kind"], m["quantity"], m["order_id"]) for m in page["movements"]] == [
        ("commit", 4, str(order_id)),
        ("reserve", 4, str(order_id)),
        ("receive", 6, None),
    ]
    await assert_clean(stack)


async def test_with_redis_frozen_reads_answer_from_postgresql_in_bounded_time_and_the_cache_heals(
    private_redis: PrivateRedis, make_stack, http
):
    stack = await make_stack(env={"REDIS_URL": private_redis.url, "REDIS_TIMEOUT": "50ms"})
    inv, api = Inventory(http, stack.url("inventory")), Api(http, stack.url("order"), stack.url("inventory"))
    p = uuid4()
    await inv.put(p, "Frozen peas", 20, "3.00")
    await prices_known(stack, {p: "3.00"})
    private_redis.freeze()  # SIGSTOP: connections hang, nothing answers
    try:
        timings, sources = [], set()
        for _ in range(30):
            started = time.perf_counter()
            status, body, r = await inv.call("GET", f"/inventory/{p}")
            timings.append(time.perf_counter() - started)
            assert (status, body) == (200, view(p, 20, price="3.00"))
            sources.add(r.headers["X-Availability-Source"])
        assert max(timings) < 1.0, timings
        assert sources == {"database"}
        status, ready, _ = await inv.call("GET", "/ready")
        assert status == 503 and ready["checks"]["redis"].startswith("unavailable")
        order_id = await api.place([(p, 5, "3.00")])  # the saga does not need Redis either
        assert (await api.terminal(order_id))["status"] == "CONFIRMED"
        status, body, r = await inv.call("GET", f"/inventory/{p}")
        assert (status, body, r.headers["X-Availability-Source"]) == (
            200,
            view(p, 15, price="3.00"),
            "database",
        )
    finally:
        private_redis.thaw()

    async def healed() -> bool:
        status, body, r = await inv.call("GET", f"/inventory/{p}")
        return (
            status == 200
            and r.headers.get("X-Availability-Source") == "cache"
            and body == view(p, 15, price="3.00")
        )

    await eventually(healed, 30, 0.1, "reads served from a repaired cache")
    await assert_clean(stack)  # includes Redis equal to PostgreSQL for every product


async def test_a_write_retried_with_its_idempotency_key_is_answered_again_and_applied_once(inv: Inventory):
    p, key = uuid4(), {"Idempotency-Key": f"delivery-{uuid4()}"}
    await inv.put(p, "Saucer", 2)
    receive = {"quantity": 8, "reason": "PO-77"}
    first = await inv.call("POST", f"/inventory/{p}/stock", json=receive, headers=key)
    again = await inv.call("POST", f"/inventory/{p}/stock", json=receive, headers=key)
    assert first[:2] == again[:2] == (200, view(p, 10))
    assert "Idempotent-Replayed" not in first[2].headers and again[2].headers["Idempotent-Replayed"] == "true"
    status, body, _ = await inv.call("POST", f"/inventory/{p}/stock", json={"quantity": 9}, headers=key)
    assert status == 409 and body["error"]["code"] == "idempotency_key_reused"
    status, body, _ = await inv.call(
        "PUT", f"/inventory/{p}", json={"name": "Saucer", "quantity": 1}, headers=key
    )
    assert (status, body) == (200, view(p, 1))  # the same key on another endpoint is another claim
    status, page, _ = await inv.call("GET", f"/inventory/{p}/movements")
    assert [(m["kind"], m["quantity"]) for m in page["movements"]] == [
        ("adjust", -9),
        ("receive", 8),
        ("receive", 2),
    ]
