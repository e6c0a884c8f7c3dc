"""Transfers and batch updates as a user drives them through the running inventory service: a transfer
between warehouses, a count batch, an Idempotency-Key retry, and each refusal a clear 4xx that changes
nothing."""

from uuid import uuid4

import pytest

from tests.support.checks import assert_clean
from tests.support.client import Inventory

pytestmark = pytest.mark.e2e


@pytest.fixture
def inv(stack, http) -> Inventory:
    return Inventory(http, stack.url("inventory"))


def transfer(p, src: str, dst: str, quantity) -> dict:
    return {"product_id": str(p), "from_warehouse": src, "to_warehouse": dst, "quantity": quantity}


def on_hand(stock: dict) -> dict[str, int]:
    return {w["warehouse_id"]: w["on_hand"] for w in stock["warehouses"]}


async def test_a_transfer_then_a_count_move_the_stock_and_the_ledger(inv: Inventory, stack):
    await inv.call("PUT", "/warehouses/zz-transfer", json={"name": "Transfer target", "priority": 60})
    p = uuid4()
    await inv.put(p, "Teapot", 10)
    key = {"Idempotency-Key": f"t-{p}"}
    status, body, _ = await inv.call(
        "POST", "/transfers", json=transfer(p, "main", "zz-transfer", 4), headers=key
    )
    assert status == 201 and on_hand(body["stock"]) == {"main": 6, "zz-transfer": 4}, body
    again, replayed, r = await inv.call(
        "POST", "/transfers", json=transfer(p, "main", "zz-transfer", 4), headers=key
    )
    assert (again, replayed, r.headers["Idempotent-Replayed"]) == (201, body, "true")
    count = {"kind": "count", "warehouse_id": "zz-transfer", "lines": [{"product_id": str(p), "quantity": 3}]}
    status, result, _ = await inv.call("POST", "/inventory/batch", json=count)
    assert (
        status == 200
        and result["lines"][0]["moved"] == -1
        and result["lines"][0]["after"]["product_available"] == 9
    )
    assert on_hand(await inv.get(p)) == {"main": 6, "zz-transfer": 3}
    status, page, _ = await inv.call("GET", f"/inventory/{p}/movements")
    assert [(m["warehouse_id"], m["kind"], m["quantity"], m["reference"]) for m in page["movements"]] == [
        ("zz-transfer", "count", -1, result["batch_id"]),
        ("zz-transfer", "transfer_in", 4, body["transfer"]["transfer_id"]),
        ("main", "transfer_out", 4, body["transfer"]["transfer_id"]),
        ("main", "receive", 10, None),
    ]
    await assert_clean(stack)


@pytest.mark.parametrize(
    "path, body, status, code",
    [
        ("/transfers", transfer("{p}", "main", "main", 1), 422, "validation_failed"),
        ("/transfers", transfer("{p}", "main", "zz-transfer", 0), 422, "validation_failed"),
        ("/transfers", transfer("{p}", "main", "zz-transfer", 2), 409, "insufficient_stock"),
        ("/transfers", transfer("{p}", "main", "nowhere", 1), 422, "unknown_warehouse"),
        ("/transfers", transfer("{missing}", "main", "zz-transfer", 1), 422, "unknown_product"),
        (
            "/inventory/batch",
            {"kind": "count", "warehouse_id": "main", "lines": [{"product_id": "{p}", "quantity": -1}]},
            422,
            "validation_failed",
        ),
        (
            "/inventory/batch",
            {
                "kind": "receive",
                "warehouse_id": "main",
                "lines": [{"product_id": "{p}", "quantity": 1}, {"product_id": "{missing}", "quantity": 1}],
            },
            422,
            "unknown_product",
        ),
        (
            "/inventory/batch",
            {"kind": "receive", "warehouse_id": "nowhere", "lines": [{"product_id": "{p}", "quantity": 1}]},
            422,
            "unknown_warehouse",
        ),
        (
            "/inventory/batch",
            {"kind": "adjust", "warehouse_id": "main", "lines": [{"product_id": "{p}", "quantity": -1}]},
            422,
            "validation_failed",
        ),
        (
            "/inventory/batch",
            {
                "kind": "adjust",
                "warehouse_id": "main",
                "reason": "r",
                "lines": [{"product_id": "{p}", "quantity": -2}],
            },
            409,
            "insufficient_stock",
        ),
    ],
)
async def test_bad_transfers_and_batches_are_clear_4xx(inv: Inventory, path, body, status, code):
    await inv.call("PUT", "/warehouses/zz-transfer", json={"name": "Transfer target", "priority": 60})
    p = uuid4()
    await inv.put(p, "Probe", 1)
    filled = with_ids(body, p)
    got, answer, _ = await inv.call("POST", path, json=filled)
    assert (got, answer["error"]["code"]) == (status, code), answer
    assert on_hand(await inv.get(p)) == {"main": 1}


def with_ids(value, p):
    """The body with {p} (the probe) and {missing} (no product) filled in."""
    if isinstance(value, dict):
        return {k: with_ids(v, p) for k, v in value.items()}
    if isinstance(value, list):
        return [with_ids(v, p) for v in value]
    if isinstance(value, str) and value in ("{p}", "{missing}"):
        return str(p) if value == "{p}" else str(uuid4())
    return value
