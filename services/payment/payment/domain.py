"""Payment rules, pure: the simulated gateway's deterministic approval decision."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Approved:
    amount: Decimal


@dataclass(frozen=True)
class Declined:
    reason: str


def decide(total_amount: Decimal, approval_limit: Decimal) -> Approved | Declined:
    """The gateway declines any charge above the approval limit; everything else is approved."""
    if total_amount > approval_limit:
        return Declined(f"declined: amount {total_amount} exceeds the approval limit {approval_limit}")
    return Approved(total_amount)
