"""Reservation arithmetic (inventory/domain.py): units per product, shortages, unknown products, and what
each kind of movement does to the stock."""

import random
from uuid import UUID

import pytest

from inventory.stock.domain import Reject, Reserve, Shortage, Stock, moved, quantities, reserve

A, B, C = UUID(int=0xA), UUID(int=0xB), UUID(int=0xC)
SEED = 99


def stock(*rows: tuple[UUID, int, int]) -> dict[UUID, Stock]:
    return {p: Stock(p, on_hand, reserved) for p, on_hand, reserved in rows}


def test_available_is_on_hand_minus_reserved():
    assert Stock(A, 10, 3).available == 7


def test_duplicate_product_lines_are_summed():
    assert quantities([(A, 2), (B, 1), (A, 3)]) == {A: 5, B: 1}


def test_quantities_come_in_product_id_order_whatever_the_line_order():
    rng = random.Random(SEED)
    lines = [(C, 1), (A, 2), (B, 3), (A, 1)]
    for _ in range(20):
        rng.shuffle(lines)
        assert list(quantities(lines)) == [A, B, C], f"seed {SEED}: {lines}"


def test_enough_stock_reserves_every_product():
    assert reserve(stock((A, 10, 0), (B, 5, 2)), {A: 10, B: 3}) == Reserve({A: 10, B: 3})


def test_units_already_reserved_are_not_available():
    assert reserve(stock((A, 10, 8)), {A: 3}) == Reject("out_of_stock", [Shortage(A, 3, 2)])


def test_every_short_product_is_reported():
    outcome = reserve(stock((A, 1, 0), (B, 5, 0), (C, 0, 0)), {A: 2, B: 5, C: 1})
    assert outcome == Reject("out_of_stock", [Shortage(A, 2, 1), Shortage(C, 1, 0)])


def test_an_unknown_product_rejects_the_order_with_nothing_available():
    assert reserve(stock((A, 10, 0)), {A: 1, B: 2}) == Reject("unknown_product", [Shortage(B, 2, 0)])


def test_an_unknown_product_is_reported_before_shortages():
    outcome = reserve(stock((A, 0, 0)), {A: 5, B: 1})
    assert outcome == Reject("unknown_product", [Shortage(B, 1, 0)])


def test_duplicate_lines_that_together_exceed_stock_are_a_shortage():
    wanted = quantities([(A, 3), (A, 3)])
    assert reserve(stock((A, 5, 0)), wanted) == Reject("out_of_stock", [Shortage(A, 6, 5)])


@pytest.mark.parametrize(
    "on_hand, reserved, wanted, ok",
    [
        (5, 0, 5, True),
        (5, 0, 6, False),
        (5, 5, 1, False),
        (0, 0, 1, False),
        (7, 2, 5, True),
    ],
)
def test_the_boundary_is_exactly_available(on_hand, reserved, wanted, ok):
    outcome = reserve(stock((A, on_hand, reserved)), {A: wanted})
    assert isinstance(outcome, Reserve) is ok


@pytest.mark.parametrize(
    "kind, on_hand, reserved",
    [
        ("receive", 13, 4),
        ("adjust", 13, 4),
        ("reserve", 10, 7),
        ("release", 10, 1),
        ("expire", 10, 1),
        ("commit", 7, 1),
    ],
)
def test_each_movement_changes_on_hand_and_reserved_as_its_ledger_kind_says(kind, on_hand, reserved):
    assert moved(Stock(A, 10, 4), kind, 3) == Stock(A, on_hand, reserved)


def test_stock_moved_by_a_reservation_and_its_commit_is_available_as_before_less_the_units_shipped():
    stock = moved(moved(Stock(A, 10, 4), "reserve", 3), "commit", 3)
    assert (stock.on_hand, stock.reserved, stock.available) == (7, 4, 3)
