"""Checkout with a hold: what a payment.approved that names a hold does, decided under the locks of the
batch (the hold's row among the reservations, then the products).

An active, unclaimed hold whose lines are the order's becomes the order's reservation. One that has
expired, was released, or is due now (it is expired here, whoever holds the lock) leaves the order to a
fresh reservation. Anything else (other lines, claimed by another order, sold, another customer's hold,
no such hold) is inventory.failed with reason hold_mismatch. So is an owned hold named by a
payment.approved of schema version 2, which does not say whose order it is (customer_id came with 3):
hold checkouts need payment on version 3 (docs/design.md, "Versions and rolling deploys").
"""

from uuid import UUID

from events import PaymentApproved
from inventory import metrics
from inventory.holds.owners import may_claim
from inventory.reservations.repository import Reservation
from inventory.reservations.settle import Changes
from inventory.stock import domain

HOLD_MISMATCH = "hold_mismatch"


def is_open(hold: Reservation) -> bool:
    """Active and claimed by no order: the only hold a checkout may take (or the clock may expire)."""
    return hold.origin == "hold" and hold.order_id is None and hold.status == "ACTIVE"


def reserve(changes: Changes, event: PaymentApproved, due: set[UUID]) -> None:
    """The order's reservation, from its hold if it names one; `due`: the open holds due by now."""
    hold_id = event.payload.hold_id
    if hold_id is None:
        changes.reserve(event)
        return
    hold = changes.holds.get(hold_id)
    if hold is not None and not may_claim(hold, event.payload.customer_id):
        hold = None  # another customer's hold: to this order as if there were none, whatever its state
    if hold is not None and is_open(hold) and hold_id in due:
        changes.settle(hold, "expire")  # the clock came first: the hold ends as expired, never claimed
        metrics.HOLDS.labels("expire", "expired").inc()
        hold = changes.holds[hold_id]
    if hold is not None and hold.origin == "hold" and hold.order_id is None and hold.status != "COMMITTED":
        if hold.status != "ACTIVE":  # expired or released: the order tries for stock of its own
            metrics.HOLDS.labels("claim", "fresh").inc()
            changes.reserve(event)
            return
        if hold.quantities == domain.quantities((i.product_id, i.quantity) for i in event.payload.items):
            metrics.HOLDS.labels("claim", "claimed").inc()
            changes.claim(hold, event)
            return
    metrics.HOLDS.labels("claim", HOLD_MISMATCH).inc()
    changes.refuse(event, HOLD_MISMATCH)
