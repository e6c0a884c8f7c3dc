"""The order's state machine, as data. Pure: no I/O.

Events travel on separate queues, so they can arrive out of order. An event moves the order only
forward (by rank) and never out of a terminal status; anything else is recorded, not applied.
"""

from dataclasses import dataclass

from events.statuses import (
    CANCELLED,
    CONFIRMED,
    INVENTORY_FAILED,
    INVENTORY_RESERVED,
    PAYMENT_APPROVED,
    PAYMENT_FAILED,
    PAYMENT_REVERSED,
    PENDING,
    SHIPPING_FAILED,
    STATUSES,
    TERMINAL,
)

# the contract's statuses, re-exported: this module is where the service reads its state machine
__all__ = [
    "CANCELLED",
    "CONFIRMED",
    "INVENTORY_FAILED",
    "INVENTORY_RESERVED",
    "PAYMENT_APPROVED",
    "PAYMENT_FAILED",
    "PAYMENT_REVERSED",
    "PENDING",
    "RANK",
    "SHIPPING_FAILED",
    "STATUSES",
    "TERMINAL",
    "TRANSITIONS",
    "Outcome",
    "apply",
    "keeps_tracking_code",
]

RANK = {
    PENDING: 0,
    PAYMENT_APPROVED: 1,
    INVENTORY_RESERVED: 2,
    INVENTORY_FAILED: 3,
    SHIPPING_FAILED: 3,
    PAYMENT_REVERSED: 4,
    CONFIRMED: 5,
    PAYMENT_FAILED: 5,
    CANCELLED: 5,
}

# event -> the statuses it moves the order through (empty: recorded only)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "payment.approved": (PAYMENT_APPROVED,),
    "payment.failed": (PAYMENT_FAILED,),
    "inventory.reserved": (INVENTORY_RESERVED,),
    "inventory.failed": (INVENTORY_FAILED,),
    "shipping.failed": (SHIPPING_FAILED,),
    "inventory.committed": (CONFIRMED,),
    "payment.reversed": (PAYMENT_REVERSED, CANCELLED),
    "shipping.scheduled": (),
    "inventory.released": (),
}


@dataclass(frozen=True)
class Outcome:
    applied: bool
    statuses: tuple[str, ...] = ()  # the statuses entered, in order; empty if none
    note: str | None = None


def apply(status: str, event_type: str) -> Outcome:
    targets = TRANSITIONS[event_type]
    if not targets:
        return Outcome(True, note="recorded; no status change")
    if status in TERMINAL:
        return Outcome(False, note=f"late: order already {status}")
    if RANK[targets[-1]] <= RANK[status]:
        return Outcome(False, note=f"out of order: order already {status}")
    return Outcome(True, tuple(t for t in targets if RANK[t] > RANK[status]))


def keeps_tracking_code(status: str) -> bool:
    """A shipment's tracking code belongs on any order that was not cancelled or declined."""
    return status not in (CANCELLED, PAYMENT_FAILED)
