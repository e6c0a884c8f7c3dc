"""The checker's shipping invariants over orders with several shipments: any scheduled shipment needs
the order's stock committed, and an order's shipments never disagree."""

from uuid import uuid4

from checker import invariants


def outcomes(shipments: dict, reservation: dict) -> dict[str, list]:
    status = {k: "CONFIRMED" if r == "COMMITTED" else "CANCELLED" for k, r in reservation.items()}
    return invariants.stock_outcomes(
        {"status": status}, {"reservation": reservation}, {"shipments": shipments}
    )


def test_orders_shipped_from_several_warehouses_with_their_stock_committed_are_clean():
    a, b, c = uuid4(), uuid4(), uuid4()
    found = outcomes(
        {a: {"SCHEDULED"}, b: {"CANCELLED"}, c: {"FAILED"}},
        {a: "COMMITTED", b: "RELEASED", c: "RELEASED"},
    )
    assert found["shipped_without_commit"] == [] and found["shipments_split"] == []


def test_one_scheduled_shipment_of_an_order_whose_stock_went_back_is_shipped_without_commit():
    a = uuid4()
    found = outcomes({a: {"CANCELLED", "SCHEDULED"}}, {a: "RELEASED"})
    assert found["shipped_without_commit"] == [str(a)]
    assert found["shipments_split"] == [str(a)]
