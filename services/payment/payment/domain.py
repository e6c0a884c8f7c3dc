"""Payment rules, pure: the simulated gateway's deterministic approval decision, and a payment as a
batch sees it."""

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True)
class Approved:
    amount: Decimal


@dataclass(frozen=True)
class Declined:
    reason: str


@dataclass
class Payment:
    """One order's payment row, changed in memory by a batch's events and written once at its end."""

    payment_id: UUID
    order_id: UUID
    amount: Decimal
    status: str  # APPROVED, DECLINED, REVERSED
    reason: str | None = None
    charge_id: UUID | None = None  # an approved payment made in this batch gets it from the gateway


def decide(total_amount: Decimal, approval_limit: Decimal) -> Approved | Declined:
    """The gateway declines any charge above the approval limit; everything else is approved."""
    if total_amount > approval_limit:
        return Declined(f"declined: amount {total_amount} exceeds the approval limit {approval_limit}")
    return Approved(total_amount)
