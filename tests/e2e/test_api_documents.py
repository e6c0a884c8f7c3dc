"""Both APIs do what their /openapi.json says: a body or query parameter the document calls valid is
never refused for a rule it does not state, one it calls invalid is a 422 in the error shape, and a
405 names the resource's methods in Allow.

The document is the judge: each case is validated against the served schema (jsonschema_rs, which
schemathesis uses too), and the service's answer must agree with that verdict.
"""

import json
import re
from typing import Any
from uuid import uuid4

import jsonschema_rs
import pytest

from tests.support.checks import assert_clean
from tests.support.stock import new_product

pytestmark = pytest.mark.e2e

STOCK_BODIES = [
    '{"quantity": 4}',
    '{"quantity": 4.0}',
    '{"quantity": 4E0}',
    '{"quantity": 1.00e1}',
    '{"quantity": 4.5}',
    '{"quantity": 0}',
    '{"quantity": -1}',
    '{"quantity": true}',
    '{"quantity": "4"}',
    '{"quantity": null}',
    '{"kind": "receive", "quantity": 3, "reason": null}',
    '{"kind": "receive", "quantity": 3, "reason": "PO-1"}',
    '{"kind": "receive", "quantity": -3, "reason": "PO-1"}',
    '{"kind": "adjust", "quantity": -1, "reason": "count"}',
    '{"kind": "adjust", "quantity": 2.0, "reason": "count"}',
    '{"kind": "adjust", "quantity": 0, "reason": "count"}',
    '{"kind": "adjust", "quantity": -1}',
    '{"kind": "adjust", "quantity": -1, "reason": null}',
    '{"kind": "adjust", "quantity": -1, "reason": ""}',
    '{"kind": "adjust", "quantity": -1000000000, "reason": "more than there is"}',
    '{"kind": "other", "quantity": 1}',
    '{"quantity": 1, "extra": 1}',
    '{"quantity": 1e30}',
    '{"quantity": 1e999999999}',
]
PUT_BODIES = [
    '{"name": "p", "quantity": 4.0}',
    '{"name": "p", "quantity": 0.0}',
    '{"name": "p", "quantity": 4.25}',
    '{"name": "p", "quantity": -0.0}',
    '{"name": "p", "quantity": 4, "price": "12.50"}',
    '{"name": "p", "quantity": 4, "price": 12.5}',
    '{"name": "p", "quantity": 4, "price": "000012.5"}',
    '{"name": "p", "quantity": 4, "price": null}',
    '{"name": "p", "quantity": 4, "price": 0}',
    '{"name": "p", "quantity": 4, "price": "0.00"}',
    '{"name": "p", "quantity": 4, "price": -1}',
    '{"name": "p", "quantity": 4, "price": "12.505"}',
    '{"name": "p", "quantity": 4, "price": 1000000.01}',
    '{"name": "p", "quantity": 4, "price": "twelve"}',
    '{"name": "p", "quantity": 4, "price": true}',
]
ORDER_LINES = [
    '{"product_id": "PRODUCT", "quantity": 2.0, "unit_price": 49.900}',
    '{"product_id": "CHEAP", "quantity": 1, "unit_price": 0.07}',
    '{"product_id": "PRODUCT", "quantity": 1.5, "unit_price": 1}',
    '{"product_id": "PRODUCT", "quantity": 1, "unit_price": 49.999}',
    '{"product_id": "PRODUCT", "quantity": 1, "unit_price": 0.30000000000000004}',
    '{"product_id": "PRODUCT", "quantity": 1, "unit_price": "49.90"}',
    '{"product_id": "PRODUCT", "quantity": 1, "unit_price": true}',
]
HOLDS = ['"HOLD"', "null", "5", "true", '["HOLD"]']  # hold_id of an order: a UUID or null
QUERIES = {  # parameter: raw values; order cursors are checked apart (opaque: only a real one is valid)
    "limit": [
        "1",
        "007",
        "0000000000000000000000001",
        "100",
        "101",
        "200",
        "201",
        "0",
        "-1",
        "²",
        "１２",
        "1.5",
        "",
        " 5",
        "+5",
    ],
    "status": ["CONFIRMED", "PENDING", "confirmed", "", "X"],
    "cursor": ["0", "5", "999999999999999999", "1000000000000000000", "-1", "²", "", "abc"],
    "product_id": [
        "{p}",
        "{P}",
        "{p}x",
        "{{{p}}}",
        "urn:uuid:{p}",
        "{h}",
        "\u0660" * 32,
    ],  # Arabic-Indic zeros
}


def validator(doc: dict[str, Any], schema: dict[str, Any]) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for({**schema, "components": doc["components"]})


def body_schema(doc: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]


def as_json(raw: str) -> Any:
    """A query value as OpenAPI's form style reads it for an integer schema: digits are a number."""
    return int(raw) if re.fullmatch(r"-?[0-9]+", raw) else raw


def assert_agrees(valid: bool, status: int, answer: dict, case: str, allowed: tuple[int, ...]) -> None:
    if valid:
        assert status in allowed, f"valid by the document, refused: {case} -> {status} {answer}"
    else:
        assert status == 422, f"invalid by the document, not a 422: {case} -> {status} {answer}"
        assert set(answer["error"]) == {"code", "message", "details"} and answer["error"]["details"], answer


async def call(http, method: str, url: str, body: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    async with http.request(
        method, url, data=body.encode() if body is not None else None, headers=headers
    ) as r:
        return r.status, await r.json()


async def test_bodies_are_judged_as_the_documents_judge_them(stack, http) -> None:
    inventory, order = stack.url("inventory"), stack.url("order")
    inv_doc, order_doc = (
        (await call(http, "GET", f"{inventory}/openapi.json"))[1],
        (await call(http, "GET", f"{order}/openapi.json"))[1],
    )
    # priced as the valid lines name them: a body valid by the document is a 201 (a price the document
    # cannot know is a 422 price_mismatch: tests/e2e/test_prices.py)
    product, cheap = await new_product(stack, 1000, "49.90"), await new_product(stack, 1000, "0.07")
    stock = validator(inv_doc, body_schema(inv_doc, "/inventory/{product_id}/stock", "post"))
    verdicts = {}
    for body in STOCK_BODIES:
        status, answer = await call(http, "POST", f"{inventory}/inventory/{product}/stock", body)
        valid = stock.is_valid(json.loads(body))
        assert_agrees(valid, status, answer, body, (200, 409))  # 409: below the reserved units, documented
        verdicts[body] = valid
    # the document's own rules are what refuses these, not a rule it leaves out
    assert not verdicts['{"quantity": 0}'] and not verdicts['{"kind": "adjust", "quantity": -1}']
    assert (
        verdicts['{"quantity": 4.0}'] and verdicts['{"kind": "adjust", "quantity": 2.0, "reason": "count"}']
    )
    put = validator(inv_doc, body_schema(inv_doc, "/inventory/{product_id}", "put"))
    for body in PUT_BODIES:
        status, answer = await call(http, "PUT", f"{inventory}/inventory/{uuid4()}", body)
        assert_agrees(put.is_valid(json.loads(body)), status, answer, body, (201,))
    create = validator(order_doc, body_schema(order_doc, "/orders", "post"))
    for line in ORDER_LINES:
        items = line.replace("PRODUCT", str(product)).replace("CHEAP", str(cheap))
        body = f'{{"customer_id": "{uuid4()}", "payment_method": "pix", "items": [{items}]}}'
        status, answer = await call(http, "POST", f"{order}/orders", body)
        assert_agrees(create.is_valid(json.loads(body)), status, answer, body, (201,))
    line = ORDER_LINES[0].replace("PRODUCT", str(product))
    for hold in HOLDS:
        hold = hold.replace("HOLD", str(uuid4()))
        body = (
            f'{{"customer_id": "{uuid4()}", "payment_method": "pix", "items": [{line}], "hold_id": {hold}}}'
        )
        status, answer = await call(http, "POST", f"{order}/orders", body)
        assert_agrees(create.is_valid(json.loads(body)), status, answer, body, (201,))
    await assert_clean(stack)


async def test_query_parameters_are_judged_as_the_documents_judge_them(stack, http) -> None:
    product = await new_product(stack, 5)
    for n in range(3):
        await call(
            http,
            "POST",
            f"{stack.url('inventory')}/inventory/{product}/stock",
            json.dumps({"quantity": n + 1}),
        )
    checked = set()
    for service in ("order", "inventory"):
        doc = (await call(http, "GET", f"{stack.url(service)}/openapi.json"))[1]
        for template, operations in doc["paths"].items():
            for parameter in operations.get("get", {}).get("parameters", []):
                if parameter["in"] != "query" or (service, parameter["name"]) == ("order", "cursor"):
                    continue
                schema = parameter["schema"]
                item = validator(doc, schema.get("items", schema))
                path = template.replace("{product_id}", str(product)).replace("{order_id}", str(uuid4()))
                for raw in QUERIES[parameter["name"]]:
                    raw = raw.format(p=product, P=str(product).upper(), h=product.hex)
                    status, answer = await call(
                        http, "GET", f"{stack.url(service)}{path}?{parameter['name']}={raw}"
                    )
                    assert_agrees(
                        item.is_valid(as_json(raw)),
                        status,
                        answer,
                        f"{template}?{parameter['name']}={raw}",
                        (200,),
                    )
                checked.add((service, template, parameter["name"]))
    assert len(checked) == 5, checked  # status, limit; limit, cursor; product_id


async def test_an_order_cursor_is_a_next_cursor_and_nothing_else(stack, http, api) -> None:
    product = await new_product(stack, 10)
    for _ in range(3):
        await api.place([(product, 1, "10.00")])
    doc = (await call(http, "GET", f"{stack.url('order')}/openapi.json"))[1]
    (schema,) = [p["schema"] for p in doc["paths"]["/orders"]["get"]["parameters"] if p["name"] == "cursor"]
    cursor = validator(doc, schema)
    status, page = await call(http, "GET", f"{stack.url('order')}/orders?limit=1")
    assert status == 200 and cursor.is_valid(page["next_cursor"]), page
    status, answer = await call(
        http, "GET", f"{stack.url('order')}/orders?limit=1&cursor={page['next_cursor']}"
    )
    assert status == 200 and answer["orders"][0]["order_id"] != page["orders"][0]["order_id"], answer
    for raw in ("", "²", "not base64!", "A" * 201, "AAAA", "QQ==", "QQ"):
        status, answer = await call(http, "GET", f"{stack.url('order')}/orders?cursor={raw}")
        assert status == 422 and answer["error"]["details"][0]["field"] == "cursor", (raw, answer)
    await assert_clean(stack)


@pytest.mark.parametrize(
    ("service", "path", "methods"),
    [
        ("order", "/orders", {"GET", "POST"}),
        ("order", "/orders/{id}", {"GET"}),
        ("inventory", "/inventory/{id}", {"GET", "PUT"}),
        ("inventory", "/inventory/{id}/stock", {"POST"}),
    ],
)
async def test_a_405_names_the_methods_in_allow(
    stack, http, service: str, path: str, methods: set[str]
) -> None:
    async with http.request("DELETE", stack.url(service) + path.format(id=uuid4())) as r:
        assert r.status == 405
        assert set(r.headers["Allow"].split(",")) - {"HEAD"} == methods, r.headers
        body = await r.json()
    assert body["error"]["code"] == "method_not_allowed" and set(body["error"]) == {
        "code",
        "message",
        "details",
    }
