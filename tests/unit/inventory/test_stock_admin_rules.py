"""Stock admin rules and the cache entry format: adjustments stop at what is reserved; a cache entry
that cannot be read is a miss, never a number."""

from uuid import UUID

import pytest

from inventory.availability.cache import decode, encode
from inventory.stock.domain import Shortage, Stock, adjustment_refused
from inventory.stock.repository import Snapshot

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
    outcome = adjustment_refused(Stock(A, on_hand, reserved), delta)
    assert (outcome is not None) is refused
    if refused:
        assert outcome == Shortage(A, -delta, on_hand - reserved)


def test_a_cache_entry_round_trips():
    s = Snapshot(A, on_hand=12, reserved=5, version=9)
    assert encode(s) == "9:12:5"
    assert decode(A, encode(s)) == s


@pytest.mark.parametrize("raw", [None, "", "garbage", "1:2", "1:2:3:4", "a:b:c", "1.5:2:3"])
def test_an_unreadable_cache_entry_is_a_miss(raw):
    assert decode(A, raw) is None
