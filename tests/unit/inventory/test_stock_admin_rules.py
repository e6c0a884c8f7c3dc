"""Stock admin rules and the cache entry format: adjustments stop at what is reserved; a cache entry
that cannot be read is a miss, never a number."""

from decimal import Decimal
from uuid import UUID

import pytest

from inventory.availability.cache import decode, encode
from inventory.stock.domain import Place, Shortage, Stock, adjustment_refused
from inventory.stock.repository import Snapshot
from stockcache import WarehouseEntry

A = UUID(int=0xA)


@pytest.mark.parametrize(
    "on_hand, reserved, delta, refused",
    [
        (10, 0, -10, False),
        (10, 0, -11, True),
        (10, 4, -6, False),
        (10, 4, -7, True),
        (0, 0, 5, False),
        (3, 3, 0, False),
    ],
)
def test_an_adjustment_may_take_stock_down_to_the_reserved_units_and_no_further(
    on_hand, reserved, delta, refused
):
    stock = Stock(A, {"main": Place("main", 100, on_hand, reserved), "east": Place("east", 1, 50, 0)})
    outcome = adjustment_refused(stock, "main", delta)
    assert (outcome is not None) is refused
    if refused:
        assert outcome == Shortage(A, -delta, on_hand - reserved)


def test_an_adjustment_in_a_warehouse_the_product_is_not_in_starts_from_nothing():
    stock = Stock(A, {"main": Place("main", 100, 10, 0)})
    assert adjustment_refused(stock, "east", 5) is None
    assert adjustment_refused(stock, "east", -1) == Shortage(A, 1, 0)


@pytest.mark.parametrize(
    ("price", "raw"), [(Decimal("49.90"), "9:12:5|main:12:5|$49.90"), (None, "9:12:5|main:12:5|$")]
)
def test_a_cache_entry_round_trips_with_its_price_or_none(price, raw):
    s = Snapshot(
        A, on_hand=12, reserved=5, version=9, warehouses=(WarehouseEntry("main", 12, 5),), price=price
    )
    assert encode(s) == raw
    assert decode(A, encode(s)) == s


@pytest.mark.parametrize(
    "raw", [None, "", "garbage", "1:2", "1:2:3:4", "a:b:c", "1.5:2:3", "9:12:5", "9:12:5|main:12:5"]
)
def test_an_unreadable_cache_entry_is_a_miss(raw):
    assert decode(A, raw) is None
