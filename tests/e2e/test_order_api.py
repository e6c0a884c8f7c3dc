"""The public order API as a client sees it: bad input gets a 4xx in one error shape (never a 5xx),
Idempotency-Key makes retries safe, GET /orders pages newest first, unknown orders are 404."""

import asyncio
import json
from uuid import UUID, uuid4

import asyncpg
import pytest

from events import decode
from tests.support.checks import assert_clean
from tests.support.client import order_body
from tests.support.stock import new_product

pytestmark = pytest.mark.e2e
PRICE = "49.90"  # what the products of these tests cost, and what valid() orders them at


async def post(api, body: bytes | str, content_type: str = "application/json", headers: dict | None = None):
    async with api.http.post(
        f"{api.order_url}/orders", data=body, headers={"Content-Type": content_type, **(headers or {})}
    ) as r:
        return r.status, await r.json(), r.headers


async def get(api, path: str):
    async with api.http.get(f"{api.order_url}{path}") as r:
        return r.status, await r.json()


def assert_error_shape(body: dict, code: str | None = None) -> None:
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
    assert isinstance(body["error"]["details"], list)
    if code is not None:
        assert body["error"]["code"] == code, body


def valid(product: UUID | None = None, quantity: object = 2) -> dict:
    body = order_body([(product or uuid4(), 1, PRICE)])
    body["items"][0]["quantity"] = quantity
    return body


def without(data: dict, *path: str | int) -> dict:
    target = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return data


def with_value(data: dict, value: object, *path: str | int) -> dict:
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


async def count_orders(stack) -> int:
    conn = await asyncpg.connect(stack.database_url("order"), timeout=10)
    try:
        return await conn.fetchval("SELECT count(*) FROM orders")
    finally:
        await conn.close()


async def refused(stack, api, cases: dict[str, tuple], status: int, code: str | None) -> None:
    """Send every case; each must get `status` in the error shape, and none may create an order."""
    before = await count_orders(stack)
    wrong = {}
    for name, (body, content_type) in cases.items():
        got, answer, _ = await post(api, body, content_type)
        try:
            assert got == status
            assert_error_shape(answer, code)
            if status == 422:
                assert answer["error"]["details"]
                assert all({"field", "message"} <= set(d) for d in answer["error"]["details"])
        except AssertionError:
            wrong[name] = (got, answer)
    assert wrong == {}
    assert await count_orders(stack) == before
    await assert_clean(stack)


async def test_a_placed_order_is_accepted_with_its_location_and_readable(stack, api):
    product = await new_product(stack, 10, PRICE)
    status, body, headers = await post(api, json.dumps(valid(product)))
    assert status == 201 and body["status"] == "PENDING"
    assert headers["Location"] == f"/orders/{body['order_id']}"
    order = await api.terminal(UUID(body["order_id"]))
    assert order["status"] == "CONFIRMED"
    assert order["total_amount"] == "99.80" and order["payment_method"] == "credit_card"
    await assert_clean(stack)


async def test_an_order_placed_with_a_hold_shows_it_and_payment_carries_it_on(stack, api):
    product = await new_product(stack, 10, PRICE)
    hold = str(uuid4())
    status, body, _ = await post(api, json.dumps({**valid(product), "hold_id": hold}))
    assert status == 201
    order_id = UUID(body["order_id"])
    status, order = await get(api, f"/orders/{order_id}")
    assert status == 200 and order["hold_id"] == hold and order["shipments"] == []
    await api.terminal(order_id)  # however it ends: what inventory makes of the hold is not this test's

    conn = await asyncpg.connect(stack.database_url("payment"), timeout=10)
    try:
        raw = await conn.fetchval(
            "SELECT body FROM outbox WHERE order_id = $1 AND routing_key = 'payment.approved'", order_id
        )
    finally:
        await conn.close()
    approved = decode(raw, "payment.approved")
    assert str(approved.payload.hold_id) == hold  # type: ignore[union-attr]
    await assert_clean(stack)


async def test_an_order_without_a_hold_has_none(stack, api):
    status, body, _ = await post(api, json.dumps(valid(await new_product(stack, 10, PRICE))))
    order = await api.terminal(UUID(body["order_id"]))
    assert status == 201 and order["hold_id"] is None
    await assert_clean(stack)


TEXT = json.dumps(valid())
MALFORMED = {
    "truncated": TEXT[: len(TEXT) // 2],
    "a lone brace": "{",
    "empty": "",
    "not json": "not json",
    "trailing comma": '{"items": [1, 2,]}',
    "NaN": "NaN",
    "Infinity": '{"a": Infinity}',
    "raw NUL byte": TEXT.replace('"credit_card"', '"credit\x00card"'),
    "not UTF-8": b'{"customer_id": "\xff\xfe"}',
}


async def test_malformed_json_is_400(stack, api):
    await refused(
        stack, api, {k: (v, "application/json") for k, v in MALFORMED.items()}, 400, "malformed_json"
    )


async def test_a_body_that_is_not_json_by_content_type_is_415(stack, api):
    cases = {t: (TEXT, t) for t in ("text/plain", "application/x-www-form-urlencoded", "application/xml")}
    await refused(stack, api, cases, 415, "unsupported_media_type")


async def test_a_body_over_64_kib_is_413(stack, api):
    big = valid()
    big["padding"] = "x" * (64 * 1024)
    await refused(stack, api, {"64 KiB of padding": (json.dumps(big), "application/json")}, 413, None)


INVALID = {
    "quantity 0": lambda: valid(quantity=0),
    "quantity -1": lambda: valid(quantity=-1),
    "quantity 2**63": lambda: valid(quantity=2**63),
    "quantity as text": lambda: valid(quantity="2"),
    "quantity with a fraction": lambda: valid(quantity=1.5),
    "no customer_id": lambda: without(valid(), "customer_id"),
    "no payment_method": lambda: without(valid(), "payment_method"),
    "no items": lambda: without(valid(), "items"),
    "empty items": lambda: with_value(valid(), [], "items"),
    "item without product_id": lambda: without(valid(), "items", 0, "product_id"),
    "item without unit_price": lambda: without(valid(), "items", 0, "unit_price"),
    "bad customer UUID": lambda: with_value(valid(), "not-a-uuid", "customer_id"),
    "bad product UUID": lambda: with_value(valid(), "1234", "items", 0, "product_id"),
    "NUL in customer_id": lambda: with_value(valid(), "\x00" * 36, "customer_id"),
    "NUL in payment_method": lambda: with_value(valid(), "credit_card\x00", "payment_method"),
    "NUL in product_id": lambda: with_value(valid(), str(uuid4())[:-1] + "\x00", "items", 0, "product_id"),
    "unknown payment method": lambda: with_value(valid(), "seashells", "payment_method"),
    "negative price": lambda: with_value(valid(), -1, "items", 0, "unit_price"),
    "price with three decimals": lambda: with_value(valid(), "1.005", "items", 0, "unit_price"),
    "extra field": lambda: with_value(valid(), "yes", "coupon"),
    "body is a list": lambda: [valid()],
    "body is a string": lambda: "order",
}


async def test_a_body_that_fails_validation_is_422_with_field_details(stack, api):
    cases = {name: (json.dumps(make()), "application/json") for name, make in INVALID.items()}
    await refused(stack, api, cases, 422, "validation_failed")


async def test_validation_details_name_the_field(stack, api):
    status, body, _ = await post(api, json.dumps(valid(quantity=0)))
    assert status == 422
    assert [d["field"] for d in body["error"]["details"]] == ["items.0.quantity"]
    await assert_clean(stack)


async def test_the_same_idempotency_key_and_body_return_the_same_order(stack, api):
    product = await new_product(stack, 10, PRICE)
    key, body = f"retry-{uuid4()}", json.dumps(valid(product))
    first = await post(api, body, headers={"Idempotency-Key": key})
    again = await asyncio.gather(*(post(api, body, headers={"Idempotency-Key": key}) for _ in range(5)))
    assert first[0] == 201
    assert {(s, b["order_id"]) for s, b, _ in again} == {(201, first[1]["order_id"])}
    other_key = await post(api, body, headers={"Idempotency-Key": f"retry-{uuid4()}"})
    assert other_key[0] == 201 and other_key[1]["order_id"] != first[1]["order_id"]
    for order_id in (first[1]["order_id"], other_key[1]["order_id"]):
        assert (await api.terminal(UUID(order_id)))["status"] == "CONFIRMED"
    late = await post(api, body, headers={"Idempotency-Key": key})  # the saga is over by now
    assert late[:2] == first[:2] == (201, {"order_id": first[1]["order_id"], "status": "PENDING"})
    await assert_clean(stack)


async def test_the_same_idempotency_key_with_another_body_is_409(stack, api):
    product = await new_product(stack, 10, PRICE)
    key = f"retry-{uuid4()}"
    status, first, _ = await post(api, json.dumps(valid(product)), headers={"Idempotency-Key": key})
    assert status == 201
    status, body, _ = await post(
        api, json.dumps(valid(product, quantity=3)), headers={"Idempotency-Key": key}
    )
    assert status == 409
    assert_error_shape(body, "idempotency_key_reused")
    await api.terminal(UUID(first["order_id"]))
    await assert_clean(stack)


async def test_an_idempotency_key_over_255_characters_is_422(stack, api):
    status, body, _ = await post(api, json.dumps(valid()), headers={"Idempotency-Key": "k" * 256})
    assert status == 422
    assert_error_shape(body)
    await assert_clean(stack)


async def test_orders_are_listed_newest_first_page_by_page(stack, api):
    product = await new_product(stack, 10, PRICE)
    mine = []
    for _ in range(7):  # one at a time, so their creation order is known
        mine.append(str(await api.place([(product, 1, PRICE)])))
    for order_id in mine:
        await api.terminal(UUID(order_id))

    seen, cursor, pages = [], None, 0
    while True:
        status, page = await get(api, "/orders?limit=3" + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200
        assert len(page["orders"]) <= 3
        seen += page["orders"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 1000
    ids = [o["order_id"] for o in seen]
    assert len(ids) == len(set(ids)), "an order appeared on two pages"
    assert [o["created_at"] for o in seen] == sorted((o["created_at"] for o in seen), reverse=True)
    assert [i for i in ids if i in mine] == mine[::-1]
    await assert_clean(stack)


async def test_orders_can_be_listed_by_status(stack, api):
    product, dear = await new_product(stack, 10, PRICE), await new_product(stack, 10, "2500.01")
    confirmed = await api.place([(product, 1, PRICE)])
    declined = await api.place([(dear, 4, "2500.01")])  # 10000.04: above the approval limit
    await api.terminal(confirmed)
    await api.terminal(declined)
    for status_filter, included, excluded in (
        ("PAYMENT_FAILED", declined, confirmed),
        ("CONFIRMED", confirmed, declined),
    ):
        status, page = await get(api, f"/orders?status={status_filter}&limit=100")
        assert status == 200
        assert {o["status"] for o in page["orders"]} == {status_filter}
        ids = {o["order_id"] for o in page["orders"]}
        assert str(included) in ids and str(excluded) not in ids
    await assert_clean(stack)


async def test_a_bad_list_query_is_422(stack, api):
    wrong = {}
    for query in (
        "limit=0",
        "limit=101",
        "limit=-1",
        "limit=ten",
        "limit=²",
        "limit=1.5",
        "limit=",
        "status=SHIPPED",
        "status=pending",
        "cursor=garbage",
        "cursor=" + "A" * 10,
        "cursor=%FF%FE",
    ):
        status, body = await get(api, f"/orders?{query}")
        if status != 422 or body.get("error", {}).get("code") != "validation_failed":
            wrong[query] = (status, body)
        else:
            assert_error_shape(body)
    assert wrong == {}
    await assert_clean(stack)


async def test_an_unknown_order_is_404(stack, api):
    for order_id in (str(uuid4()), "not-a-uuid", "0"):
        status, body = await get(api, f"/orders/{order_id}")
        assert status == 404, order_id
        assert_error_shape(body, "not_found")
    await assert_clean(stack)


async def test_the_openapi_document_describes_the_routes(stack, api):
    status, doc = await get(api, "/openapi.json")
    assert status == 200
    assert {"/orders", "/orders/{order_id}"} <= set(doc["paths"])
    assert "CreateOrder" in doc["components"]["schemas"]
    await assert_clean(stack)
