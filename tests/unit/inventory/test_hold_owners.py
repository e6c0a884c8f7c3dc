"""Whose a hold is, decided without I/O: its owner or a hold admin sees it; an order claims it only for the
owner; a hold from before owners is only an admin's to see and any order's to claim."""

from uuid import uuid4

import pytest

from inventory.holds.owners import Caller, may_claim
from inventory.reservations.repository import Reservation

ALICE, BOB = uuid4(), uuid4()


def hold(owner=ALICE) -> Reservation:
    return Reservation(uuid4(), None, "ACTIVE", (), "hold", owner)


@pytest.mark.parametrize(
    ("caller", "owner", "sees"),
    [
        (Caller(ALICE), ALICE, True),
        (Caller(BOB), ALICE, False),
        (Caller(BOB, admin=True), ALICE, True),
        (Caller(ALICE), None, False),  # from before owners: no token shows it is theirs
        (Caller(ALICE, admin=True), None, True),
    ],
)
def test_who_sees_a_hold(caller: Caller, owner, sees: bool):
    assert caller.may_see(hold(owner)) is sees


@pytest.mark.parametrize(
    ("customer", "owner", "claims"),
    [(ALICE, ALICE, True), (BOB, ALICE, False), (None, ALICE, False), (BOB, None, True), (None, None, True)],
)
def test_which_order_claims_a_hold(customer, owner, claims: bool):
    assert may_claim(hold(owner), customer) is claims
