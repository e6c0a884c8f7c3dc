"""An order served from two warehouses, through the real handlers and databases of order, payment and
shipping (inventory's part is a version-2 inventory.reserved with allocations, written here): the
order's checkout hold travels from POST /orders to payment.approved, shipping makes one shipment per
warehouse, and GET /orders/{id} shows them, its tracking code the first one's."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from uuid import uuid4

import asyncpg

from events import (
    Event,
    InventoryCommitted,
    InventoryReleased,
    InventoryReserved,
    Line,
    OrderCreated,
    PaymentApproved,
    ShippingScheduled,
    decode,
    encode,
)
from events.catalog import (
    Allocation,
    InventoryCommittedPayload,
    InventoryReleasedPayload,
    InventoryReservedPayload,
)
from order.handlers import record_events
from order.schemas import OrderView
from order.settings import OrderSettings
from payment.gateway import SimulatedGateway
from payment.handlers import apply_events as charge
from payment.settings import PaymentSettings
from shipping.handlers import apply_events as ship
from shipping.settings import ShippingSettings
from tests.integration.shipments.conftest import order_api
from tests.support.units import apply_batch

P1, P2, P3 = uuid4(), uuid4(), uuid4()


def body(hold_id: str | None = None) -> dict:
    items = [
        {"product_id": str(P1), "quantity": 3, "unit_price": 10},
        {"product_id": str(P2), "quantity": 1, "unit_price": 5},
        {"product_id": str(P3), "quantity": 2, "unit_price": 1},
    ]
    placed = {"customer_id": str(uuid4()), "payment_method": "credit_card", "items": items}
    return placed if hold_id is None else {**placed, "hold_id": hold_id}


async def written(pool: asyncpg.Pool, event_type: str) -> Event:
    """The one event of this type the service wrote to its outbox, read back off the wire format."""
    [raw] = await pool.fetch("SELECT body FROM outbox WHERE routing_key = $1", event_type)
    return decode(raw["body"], event_type)


def reserved_from(approved: PaymentApproved, picks: list[tuple[str, object, int]]) -> InventoryReserved:
    """What inventory would answer: the order's lines, served by (warehouse, product, quantity) picks."""
    return approved.caused(
        InventoryReserved,
        InventoryReservedPayload(
            reservation_id=uuid4(),
            items=[Line(product_id=i.product_id, quantity=i.quantity) for i in approved.payload.items],
            expires_at=datetime.now(UTC) + timedelta(minutes=10),
            allocations=[Allocation(warehouse_id=w, product_id=p, quantity=q) for w, p, q in picks],
        ),
    )  # type: ignore[return-value]


async def place_and_reserve(pools, api, hold_id: str) -> tuple[OrderCreated, InventoryReserved]:
    """POST /orders, payment charges it, inventory reserves it from west and east."""
    answer = await api.post("/orders", json=body(hold_id))
    assert answer.status == 201, await answer.text()
    created = await written(pools["order"], "order.created")
    gateway = SimulatedGateway(pools["payment"])
    await apply_batch(pools["payment"], partial(charge, gateway=gateway, settings=PaymentSettings()), created)
    approved = await written(pools["payment"], "payment.approved")
    assert isinstance(created, OrderCreated) and isinstance(approved, PaymentApproved)
    reserved = reserved_from(approved, [("west", P1, 3), ("east", P2, 1), ("west", P3, 2)])
    await apply_batch(pools["order"], record_events, approved, reserved)
    return created, reserved


async def test_an_order_from_two_warehouses_shows_both_shipments_and_its_hold(pools, api):
    hold = str(uuid4())
    created, reserved = await place_and_reserve(pools, api, hold)
    assert str(created.payload.hold_id) == hold
    approved = await written(pools["payment"], "payment.approved")
    assert str(approved.payload.hold_id) == hold  # type: ignore[attr-defined]

    [scheduled] = await apply_batch(pools["shipping"], partial(ship, settings=ShippingSettings()), reserved)
    assert isinstance(scheduled, ShippingScheduled)
    on_the_wire = decode(encode(scheduled), "shipping.scheduled")
    committed = reserved.caused(
        InventoryCommitted, InventoryCommittedPayload(reservation_id=reserved.payload.reservation_id)
    )
    await apply_batch(pools["order"], record_events, on_the_wire, committed)

    answer = await api.get(f"/orders/{created.order_id}")
    assert answer.status == 200
    order = await answer.json()
    OrderView.model_validate(order)  # what the OpenAPI document promises
    assert order["status"] == "CONFIRMED" and order["hold_id"] == hold
    west, east = order["shipments"]
    assert (west["warehouse_id"], west["freight_cost"]) == ("west", "17.50")  # 5 units: 10.00 + 7.50
    assert (east["warehouse_id"], east["freight_cost"]) == ("east", "11.50")  # 1 unit
    assert order["tracking_code"] == west["tracking_code"] != east["tracking_code"]
    assert [s["shipment_id"] for s in order["shipments"]] == [
        str(s.shipment_id)
        for s in scheduled.payload.shipments  # type: ignore[union-attr]
    ]
    assert scheduled.payload.freight_cost == Decimal("29.00")
    assert scheduled.payload.estimated_delivery.isoformat() == max(
        west["estimated_delivery"], east["estimated_delivery"]
    )

    rows = await pools["shipping"].fetch(
        "SELECT shipment_no, warehouse_id, units, freight_cost, tracking_code, status FROM shipments"
        " WHERE order_id = $1 ORDER BY shipment_no",
        created.order_id,
    )
    assert [tuple(r) for r in rows] == [
        (1, "west", 5, Decimal("17.50"), west["tracking_code"], "SCHEDULED"),
        (2, "east", 1, Decimal("11.50"), east["tracking_code"], "SCHEDULED"),
    ]


async def test_a_release_cancels_the_shipments_of_every_warehouse(pools, api):
    created, reserved = await place_and_reserve(pools, api, str(uuid4()))
    released = reserved.caused(
        InventoryReleased,
        InventoryReleasedPayload(reservation_id=reserved.payload.reservation_id, reason="expired"),
    )
    settings = ShippingSettings()
    await apply_batch(pools["shipping"], partial(ship, settings=settings), reserved)
    assert await apply_batch(pools["shipping"], partial(ship, settings=settings), released) == []
    statuses = await pools["shipping"].fetch(
        "SELECT warehouse_id, status, reason FROM shipments WHERE order_id = $1 ORDER BY shipment_no",
        created.order_id,
    )
    assert [tuple(r) for r in statuses] == [
        ("west", "CANCELLED", "reservation released: expired"),
        ("east", "CANCELLED", "reservation released: expired"),
    ]


async def test_an_order_placed_without_a_hold_has_none_and_no_shipments_before_scheduling(pools, api):
    answer = await api.post("/orders", json=body())
    order_id = (await answer.json())["order_id"]
    created = await written(pools["order"], "order.created")
    assert created.payload.hold_id is None  # type: ignore[attr-defined]
    order = await (await api.get(f"/orders/{order_id}")).json()
    assert order["hold_id"] is None and order["shipments"] == [] and order["tracking_code"] is None


async def test_a_hold_is_refused_with_422_while_the_service_writes_version_1(pools, signer):
    api = await order_api(pools["order"], OrderSettings(event_schema_version=1), signer)
    try:
        answer = await api.post("/orders", json=body(str(uuid4())))
        assert answer.status == 422
        error = (await answer.json())["error"]
        assert error["code"] == "validation_failed" and "schema version 1" in error["message"]
        assert [d["field"] for d in error["details"]] == ["hold_id"]
        assert await pools["order"].fetchval("SELECT count(*) FROM orders") == 0
        without = await api.post("/orders", json=body())  # an order without a hold is still taken
        assert without.status == 201
    finally:
        await api.close()


async def test_the_idempotency_key_tells_a_body_with_a_hold_from_one_without(pools, api):
    placed = body()
    first = await api.post("/orders", json=placed, headers={"Idempotency-Key": "k-1"})
    again = await api.post("/orders", json=placed, headers={"Idempotency-Key": "k-1"})
    assert (await first.json()) == (await again.json())
    nulled = await api.post("/orders", json={**placed, "hold_id": None}, headers={"Idempotency-Key": "k-1"})
    assert nulled.status == 201 and (await nulled.json()) == (await first.json())  # null is absent
    held = await api.post(
        "/orders", json={**placed, "hold_id": str(uuid4())}, headers={"Idempotency-Key": "k-1"}
    )
    assert held.status == 409
