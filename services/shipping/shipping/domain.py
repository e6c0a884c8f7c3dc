"""Shipping rules, pure: the carrier's limit, freight, tracking codes and delivery estimates."""

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

BASE_FREIGHT = Decimal("10.00")
FREIGHT_PER_UNIT = Decimal("1.50")
TRACKING_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class Scheduled:
    units: int
    freight_cost: Decimal
    tracking_code: str
    estimated_delivery: date


@dataclass(frozen=True)
class Refused:
    reason: str


@dataclass(frozen=True)
class Tombstone:
    """The reservation was released before we scheduled: a late inventory.reserved must never ship."""

    reason: str


def freight(units: int) -> Decimal:
    return BASE_FREIGHT + FREIGHT_PER_UNIT * units


def tracking_code(choice: Callable[[str], str] = secrets.choice) -> str:
    return "TRK-" + "".join(choice(TRACKING_ALPHABET) for _ in range(8))


def delivery_days(order_id: UUID) -> int:
    """3 to 7 days, derived from the order id so the same order always gets the same estimate."""
    return 3 + order_id.int % 5


def plan(order_id: UUID, units: int, max_units: int, today: date, code: str) -> Scheduled | Refused:
    if units > max_units:
        return Refused(f"carrier refused: {units} units exceed the limit of {max_units}")
    return Scheduled(units, freight(units), code, today + timedelta(days=delivery_days(order_id)))
