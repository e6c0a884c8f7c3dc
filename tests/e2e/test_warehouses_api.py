"""Warehouses as a user drives them: create and list warehouses, stock a product in several, read its
availability per warehouse (from the cache), and an order served from the preferred warehouse."""

from uuid import uuid4

import pytest

from tests.support.checks import assert_clean
from tests.support.client import Api, Inventory
from tests.support.stock import prices_known

pytestmark = pytest.mark.e2e


@pytest.fixture
def inv(stack, http) -> Inventory:
    return Inventory(http, stack.url("inventory"))


def place(warehouse_id: str, on_hand: int, reserved: int = 0) -> dict:
    return {
        "warehouse_id": warehouse_id,
        "on_hand": on_hand,
        "reserved": reserved,
        "available": on_hand - reserved,
    }


async def test_warehouses_are_created_changed_and_listed_in_allocation_order(inv: Inventory):
    status, body, r = await inv.call("PUT", "/warehouses/zz-north", json={"name": "North", "priority": 50})
    assert (status, body["warehouse_id"], body["priority"], r.headers["Location"]) == (
        201,
        "zz-north",
        50,
        "/warehouses/zz-north",
    )
    status, body, _ = await inv.call("PUT", "/warehouses/zz-north", json={"name": "North hub", "priority": 5})
    assert (status, body["name"], body["priority"]) == (200, "North hub", 5)
    status, body, _ = await inv.call("GET", "/warehouses/zz-north")
    assert (status, body["name"]) == (200, "North hub")
    status, body, _ = await inv.call("GET", "/warehouses")
    listed = [(w["warehouse_id"], w["priority"]) for w in body["warehouses"]]
    assert status == 200 and ("main", 100) in listed and ("zz-north", 5) in listed
    assert listed == sorted(listed, key=lambda w: (w[1], w[0]))


async def test_a_product_is_stocked_per_warehouse_and_read_with_its_totals(inv: Inventory):
    await inv.call("PUT", "/warehouses/zz-east", json={"name": "East", "priority": 10})
    p = uuid4()
    await inv.put(p, "Lamp", 4)  # in main, as before warehouses
    status, body, _ = await inv.call("PUT", f"/inventory/{p}/warehouses/zz-east", json={"quantity": 6})
    assert status == 200 and body["warehouses"] == [place("main", 4), place("zz-east", 6)]
    status, body, _ = await inv.call(
        "POST", f"/inventory/{p}/stock", json={"quantity": 3, "reason": "delivery", "warehouse_id": "zz-east"}
    )
    assert status == 200 and (body["on_hand"], body["available"]) == (13, 13)
    body = await inv.get(p)
    assert body["warehouses"] == [place("main", 4), place("zz-east", 9)]
    status, page, _ = await inv.call("GET", f"/inventory/{p}/movements")
    assert [(m["warehouse_id"], m["kind"], m["quantity"]) for m in page["movements"]] == [
        ("zz-east", "receive", 3),
        ("zz-east", "adjust", 6),
        ("main", "receive", 4),
    ]


async def test_an_order_is_reserved_and_committed_in_the_preferred_warehouse(api: Api, inv: Inventory, stack):
    await inv.call("PUT", "/warehouses/zz-first", json={"name": "First choice", "priority": 0})
    p = uuid4()
    await inv.put(p, "Kettle", 5, "9.99")
    await prices_known(stack, {p: "9.99"})
    await inv.call("PUT", f"/inventory/{p}/warehouses/zz-first", json={"quantity": 2})
    order = await api.terminal(await api.place([(p, 2, "9.99")]))
    assert order["status"] == "CONFIRMED"
    assert (await inv.get(p))["warehouses"] == [place("main", 5), place("zz-first", 0)]
    await assert_clean(stack)


@pytest.mark.parametrize(
    "method, path, body, status, code",
    [
        ("PUT", "/warehouses/Not_A_Slug", {"name": "x", "priority": 1}, 422, "validation_failed"),
        ("PUT", "/warehouses/ok", {"name": "x", "priority": -1}, 422, "validation_failed"),
        ("PUT", "/warehouses/ok", {"name": "x"}, 422, "validation_failed"),
        ("GET", "/warehouses/nowhere", None, 404, "not_found"),
        ("GET", "/warehouses/Bad_Id", None, 404, "not_found"),
        ("PUT", "/inventory/{p}/warehouses/nowhere", {"quantity": 1}, 422, "unknown_warehouse"),
        ("PUT", "/inventory/{p}/warehouses/Bad_Id", {"quantity": 1}, 422, "validation_failed"),
        ("PUT", "/inventory/{p}/warehouses/main", {"quantity": -1}, 422, "validation_failed"),
        ("PUT", "/inventory/{missing}/warehouses/main", {"quantity": 1}, 404, "not_found"),
        (
            "POST",
            "/inventory/{p}/stock",
            {"quantity": 1, "warehouse_id": "nowhere"},
            422,
            "unknown_warehouse",
        ),
        ("POST", "/inventory/{p}/stock", {"quantity": 1, "warehouse_id": "UP"}, 422, "validation_failed"),
    ],
)
async def test_bad_warehouse_requests_are_clear_4xx(inv: Inventory, method, path, body, status, code):
    p = uuid4()
    await inv.put(p, "Probe", 1)
    got, answer, _ = await inv.call(method, path.format(p=p, missing=uuid4()), json=body)
    assert (got, answer["error"]["code"]) == (status, code), answer
    assert (await inv.get(p))["warehouses"] == [place("main", 1)]
