"""Value types shared by events and APIs: money as an exact decimal that travels as a string."""

from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

CENT = Decimal("0.01")


def to_money(value: object) -> Decimal:
    """Accept a decimal string or an int; a float is refused because it is already inexact."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("money must be a decimal string, not a float")
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise ValueError("money must be a decimal string") from exc
    if not amount.is_finite():
        raise ValueError("money must be finite")
    try:
        cents = amount.quantize(CENT)
    except InvalidOperation:  # more digits than the decimal context holds (e.g. "1e999999")
        raise ValueError("money is too large") from None
    if amount != cents:
        raise ValueError("money has at most two decimal places")
    return cents


Money = Annotated[Decimal, BeforeValidator(to_money), PlainSerializer(str, return_type=str)]
