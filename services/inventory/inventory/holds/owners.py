"""Whose a hold is: only its owner (the customer whose token created it) or a hold admin may read, release
or sell it, and anyone else is told there is no such hold, so a hold's existence does not leak across
customers; only an order of the owner's may claim it."""

from dataclasses import dataclass
from uuid import UUID

from inventory.reservations.repository import Reservation


@dataclass(frozen=True)
class Caller:
    """Who asks, from the request's token: its customer id, and whether it is a hold admin."""

    customer_id: UUID
    admin: bool = False

    def may_see(self, hold: Reservation) -> bool:
        """A hold without an owner (made before holds had owners) is only an admin's to see."""
        return self.admin or hold.owner == self.customer_id


def may_claim(hold: Reservation, customer_id: UUID | None) -> bool:
    """An order of `customer_id` may claim the owner's hold only; one without an owner, any order's (as
    before holds had owners). An order whose payment.approved names no customer (one written in schema
    version 1 or 2) claims no owned hold."""
    return hold.owner is None or hold.owner == customer_id
