"""Shipping rules (shipping/domain.py): one parcel per warehouse, each with freight 10.00 + 1.50 per unit
and a tracking code TRK- + 8 characters, delivery in 3 to 7 days, refusal above the carrier's maximum
units in all."""

import random
import re
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from events.catalog import Shipment, ShippingScheduledPayload
from shipping import domain

SEED = 4711
TODAY = date(2030, 3, 10)
TRACKING = re.compile(r"^TRK-[A-Z0-9]{8}$")


@pytest.mark.parametrize("units, cost", [(1, "11.50"), (2, "13.00"), (10, "25.00"), (50, "85.00")])
def test_freight_is_ten_plus_one_fifty_per_unit(units, cost):
    assert domain.freight(units) == Decimal(cost)
    assert str(domain.freight(units)) == cost


def test_a_tracking_code_is_trk_and_eight_characters():
    rng = random.Random(SEED)
    codes = {domain.tracking_code(rng.choice) for _ in range(200)}
    assert all(TRACKING.match(c) for c in codes), f"seed {SEED}"
    assert len(codes) == 200
    assert TRACKING.match(domain.tracking_code())  # the default source, secrets


def test_a_tracking_code_is_reproducible_from_its_random_source():
    assert domain.tracking_code(random.Random(SEED).choice) == domain.tracking_code(
        random.Random(SEED).choice
    )


def test_delivery_takes_three_to_seven_days_and_is_stable_per_order():
    rng = random.Random(SEED)
    ids = [UUID(int=rng.getrandbits(128)) for _ in range(500)]
    days = [domain.delivery_days(i) for i in ids]
    assert set(days) == {3, 4, 5, 6, 7}, f"seed {SEED}"
    assert [domain.delivery_days(i) for i in ids] == days


def test_delivery_depends_on_the_warehouse_too():
    rng = random.Random(SEED)
    ids = [UUID(int=rng.getrandbits(128)) for _ in range(50)]
    assert any(domain.delivery_days(i, "east") != domain.delivery_days(i, "west") for i in ids), (
        f"seed {SEED}"
    )
    assert all(3 <= domain.delivery_days(i, "east") <= 7 for i in ids)


def codes(*made: str):
    return iter(made).__next__


@pytest.mark.parametrize("units", [1, 49, 50])
def test_up_to_the_maximum_units_is_scheduled(units):
    oid = uuid4()
    outcome = domain.plan(oid, {"main": units}, 50, TODAY, codes("TRK-ABCDEFGH"))
    parcel = domain.Parcel(
        "main",
        units,
        domain.freight(units),
        "TRK-ABCDEFGH",
        TODAY + timedelta(days=domain.delivery_days(oid)),
    )
    assert outcome == domain.Scheduled((parcel,))
    assert (
        outcome.freight_cost == parcel.freight_cost
        and outcome.estimated_delivery == parcel.estimated_delivery
    )
    assert 3 <= (outcome.estimated_delivery - TODAY).days <= 7


@pytest.mark.parametrize("units", [51, 500])
def test_above_the_maximum_units_the_carrier_refuses(units):
    outcome = domain.plan(uuid4(), {"main": units}, 50, TODAY)
    assert isinstance(outcome, domain.Refused)
    assert str(units) in outcome.reason and "50" in outcome.reason


def test_the_maximum_is_on_the_order_s_units_in_all_not_per_warehouse():
    outcome = domain.plan(uuid4(), {"east": 25, "west": 26}, 50, TODAY)
    assert outcome == domain.Refused("carrier refused: 51 units exceed the limit of 50")


def test_one_parcel_per_warehouse_with_its_own_freight_and_code():
    oid = uuid4()
    outcome = domain.plan(oid, {"west": 3, "east": 1}, 50, TODAY, codes("TRK-WEST0001", "TRK-EAST0001"))
    assert isinstance(outcome, domain.Scheduled)
    west, east = outcome.parcels
    assert (west.warehouse_id, west.units, west.freight_cost, west.tracking_code) == (
        "west",
        3,
        Decimal("14.50"),
        "TRK-WEST0001",
    )
    assert (east.warehouse_id, east.units, east.freight_cost, east.tracking_code) == (
        "east",
        1,
        Decimal("11.50"),
        "TRK-EAST0001",
    )
    assert east.estimated_delivery == TODAY + timedelta(days=domain.delivery_days(oid, "east"))
    assert outcome.freight_cost == Decimal("26.00")  # 10.00 per parcel: two parcels cost two bases
    assert outcome.estimated_delivery == max(west.estimated_delivery, east.estimated_delivery)


def test_warehouses_keep_the_order_they_first_appear_in_the_allocations():
    p, q = uuid4(), uuid4()
    picks = [("west", p, 2), ("east", q, 1), ("west", q, 4), ("north", p, 1), ("east", p, 1)]
    assert list(domain.units_by_warehouse(picks, 9).items()) == [("west", 6), ("east", 2), ("north", 1)]


def test_without_allocations_everything_ships_from_the_main_warehouse():
    assert domain.units_by_warehouse(None, 7) == {domain.MAIN_WAREHOUSE: 7}


def test_allocations_must_serve_exactly_the_reserved_lines():
    p, q = UUID(int=1), UUID(int=2)
    lines = [(p, 2), (q, 1), (p, 1)]  # two lines of one product add up
    assert domain.unallocated(lines, [("west", p, 3), ("east", q, 1)]) is None
    assert domain.unallocated(lines, [("west", p, 2), ("east", q, 1)]) == (
        f"allocations do not match the items: {p} reserved 3, allocated 2"
    )
    assert domain.unallocated(lines, [("west", p, 3), ("east", q, 2)]) == (
        f"allocations do not match the items: {q} reserved 1, allocated 2"
    )


def test_a_scheduled_shipment_fits_the_event_on_the_wire():
    outcome = domain.plan(uuid4(), {"main": 3}, 50, TODAY)
    assert isinstance(outcome, domain.Scheduled)
    [parcel] = outcome.parcels
    shipment = Shipment(
        shipment_id=uuid4(),
        warehouse_id=parcel.warehouse_id,
        tracking_code=parcel.tracking_code,
        freight_cost=parcel.freight_cost,
        estimated_delivery=parcel.estimated_delivery,
    )
    payload = ShippingScheduledPayload(
        shipment_id=shipment.shipment_id,
        tracking_code=parcel.tracking_code,
        freight_cost=outcome.freight_cost,
        estimated_delivery=outcome.estimated_delivery,
        shipments=[shipment],
    )
    assert payload.model_dump(mode="json")["freight_cost"] == "14.50"
