"""The checker's price invariant: every price inventory set is in the order service's copy."""

from decimal import Decimal
from uuid import UUID

from checker.invariants import prices_not_copied

A, B, C, D = (UUID(int=n) for n in range(1, 5))


def test_a_price_missing_or_old_in_the_order_copy_is_a_violation():
    inv = {
        "products": {
            A: {"price": Decimal("49.90")},  # copied
            B: {"price": Decimal("5.00")},  # copied at an old price
            C: {"price": Decimal("7.00")},  # never copied
            D: {"price": None},  # not for sale: nothing to copy
        }
    }
    order = {"prices": {A: Decimal("49.90"), B: Decimal("4.00"), UUID(int=9): Decimal("1.00")}}
    assert prices_not_copied(order, inv) == [
        {"product_id": str(B), "inventory": "5.00", "order": "4.00"},
        {"product_id": str(C), "inventory": "7.00", "order": "None"},
    ]
