"""Shipping rules (shipping/domain.py): freight 10.00 + 1.50 per unit, tracking code TRK- + 8
characters, delivery in 3 to 7 days, refusal above the carrier's maximum units."""

import random
import re
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from events.catalog import ShippingScheduledPayload
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


@pytest.mark.parametrize("units", [1, 49, 50])
def test_up_to_the_maximum_units_is_scheduled(units):
    oid = uuid4()
    outcome = domain.plan(oid, units, 50, TODAY, "TRK-ABCDEFGH")
    assert outcome == domain.Scheduled(
        units,
        domain.freight(units),
        "TRK-ABCDEFGH",
        TODAY + timedelta(days=domain.delivery_days(oid)),
    )
    assert 3 <= (outcome.estimated_delivery - TODAY).days <= 7


@pytest.mark.parametrize("units", [51, 500])
def test_above_the_maximum_units_the_carrier_refuses(units):
    outcome = domain.plan(uuid4(), units, 50, TODAY, "TRK-ABCDEFGH")
    assert isinstance(outcome, domain.Refused)
    assert str(units) in outcome.reason and "50" in outcome.reason


def test_a_scheduled_shipment_fits_the_event_on_the_wire():
    outcome = domain.plan(uuid4(), 3, 50, TODAY, domain.tracking_code())
    payload = ShippingScheduledPayload(
        shipment_id=uuid4(),
        tracking_code=outcome.tracking_code,
        freight_cost=outcome.freight_cost,
        estimated_delivery=outcome.estimated_delivery,
    )
    assert payload.model_dump(mode="json")["freight_cost"] == "14.50"
