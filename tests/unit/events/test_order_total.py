"""An order's total, defined once for the order service (which sets it) and payment (which checks it):
exact decimal money in cents, never a float."""

from decimal import Decimal
from uuid import uuid4

from events import Item, order_total


def items(*lines: tuple[int, str]) -> list[Item]:
    return [Item(product_id=uuid4(), quantity=q, unit_price=Decimal(p)) for q, p in lines]


def test_the_total_is_each_quantity_times_its_price_summed_exactly():
    assert order_total(items((2, "49.90"), (3, "0.10"))) == Decimal("100.10")
    assert order_total(items((3, "0.10"))) == Decimal("0.30")  # a float sum would give 0.30000000000000004
    assert order_total(items((1_000_000, "9999.99"), (1, "0.01"))) == Decimal("9999990000.01")


def test_the_total_always_has_two_decimal_places():
    assert str(order_total(items((1, "5")))) == "5.00"
    assert str(order_total(items((4, "0.25")))) == "1.00"
