"""The order's state machine (order/domain.py): every transition, and every late, repeated or
out-of-order event. A status never moves backwards, a terminal status never changes, nothing is
silently dropped."""

import itertools
import random

import pytest

from events import CONSUMERS, ORDERLESS_TYPES
from order import domain
from order.domain import (
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

ORDER_EVENTS = tuple(t for t in CONSUMERS["order"] if t not in ORDERLESS_TYPES)  # the saga's
SEED = 20240611


def run(status: str, events: list[str]) -> tuple[str, list[str]]:
    """Fold events over a status, checking at every step that nothing regresses or is dropped."""
    entered = []
    for event_type in events:
        before = status
        outcome = domain.apply(status, event_type)
        assert outcome.statuses or outcome.note, f"{event_type} on {before} left no trace"
        if outcome.statuses:
            assert outcome.applied
            status = outcome.statuses[-1]
            entered.extend(outcome.statuses)
        assert domain.RANK[status] >= domain.RANK[before], f"{event_type} moved {before} back to {status}"
        if before in TERMINAL:
            assert status == before, f"terminal {before} changed to {status} by {event_type}"
    return status, entered


# (status, event) -> statuses entered; every pair not listed enters none
MOVES = {
    (PENDING, "payment.approved"): (PAYMENT_APPROVED,),
    (PENDING, "payment.failed"): (PAYMENT_FAILED,),
    (PENDING, "inventory.reserved"): (INVENTORY_RESERVED,),
    (PENDING, "inventory.failed"): (INVENTORY_FAILED,),
    (PENDING, "shipping.failed"): (SHIPPING_FAILED,),
    (PENDING, "inventory.committed"): (CONFIRMED,),
    (PENDING, "payment.reversed"): (PAYMENT_REVERSED, CANCELLED),
    (PAYMENT_APPROVED, "inventory.reserved"): (INVENTORY_RESERVED,),
    (PAYMENT_APPROVED, "inventory.failed"): (INVENTORY_FAILED,),
    (PAYMENT_APPROVED, "shipping.failed"): (SHIPPING_FAILED,),
    (PAYMENT_APPROVED, "inventory.committed"): (CONFIRMED,),
    (PAYMENT_APPROVED, "payment.reversed"): (PAYMENT_REVERSED, CANCELLED),
    (PAYMENT_APPROVED, "payment.failed"): (PAYMENT_FAILED,),
    (INVENTORY_RESERVED, "inventory.failed"): (INVENTORY_FAILED,),
    (INVENTORY_RESERVED, "shipping.failed"): (SHIPPING_FAILED,),
    (INVENTORY_RESERVED, "inventory.committed"): (CONFIRMED,),
    (INVENTORY_RESERVED, "payment.reversed"): (PAYMENT_REVERSED, CANCELLED),
    (INVENTORY_RESERVED, "payment.failed"): (PAYMENT_FAILED,),
    (INVENTORY_FAILED, "inventory.committed"): (CONFIRMED,),
    (INVENTORY_FAILED, "payment.reversed"): (PAYMENT_REVERSED, CANCELLED),
    (INVENTORY_FAILED, "payment.failed"): (PAYMENT_FAILED,),
    (SHIPPING_FAILED, "inventory.committed"): (CONFIRMED,),
    (SHIPPING_FAILED, "payment.reversed"): (PAYMENT_REVERSED, CANCELLED),
    (SHIPPING_FAILED, "payment.failed"): (PAYMENT_FAILED,),
    (PAYMENT_REVERSED, "payment.reversed"): (CANCELLED,),
    (PAYMENT_REVERSED, "inventory.committed"): (CONFIRMED,),
    (PAYMENT_REVERSED, "payment.failed"): (PAYMENT_FAILED,),
}
RECORD_ONLY = {"shipping.scheduled", "inventory.released"}


def test_the_table_covers_every_event_the_order_consumes():
    assert set(domain.TRANSITIONS) == set(ORDER_EVENTS)
    assert set(domain.RANK) == set(STATUSES)
    assert TERMINAL == {CONFIRMED, PAYMENT_FAILED, CANCELLED}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("event_type", ORDER_EVENTS)
def test_every_status_and_event(status, event_type):
    outcome = domain.apply(status, event_type)
    expected = MOVES.get((status, event_type), ())
    assert outcome.statuses == expected
    if expected:
        assert outcome.applied and outcome.note is None
    elif event_type in RECORD_ONLY:
        assert outcome.applied and outcome.note == "recorded; no status change"
    elif status in TERMINAL:
        assert not outcome.applied and outcome.note == f"late: order already {status}"
    else:
        assert not outcome.applied and outcome.note == f"out of order: order already {status}"


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_a_terminal_status_is_final(status):
    for event_type in ORDER_EVENTS:
        outcome = domain.apply(status, event_type)
        assert outcome.statuses == ()
        if event_type not in RECORD_ONLY:
            assert not outcome.applied and "late" in outcome.note


def test_payment_reversed_passes_through_payment_reversed_to_cancelled():
    assert domain.apply(SHIPPING_FAILED, "payment.reversed").statuses == (PAYMENT_REVERSED, CANCELLED)
    assert domain.apply(INVENTORY_FAILED, "payment.reversed").statuses == (PAYMENT_REVERSED, CANCELLED)


SAGAS = {
    "happy path": (
        ["payment.approved", "inventory.reserved", "shipping.scheduled", "inventory.committed"],
        CONFIRMED,
        [PAYMENT_APPROVED, INVENTORY_RESERVED, CONFIRMED],
    ),
    "declined": (["payment.failed"], PAYMENT_FAILED, [PAYMENT_FAILED]),
    "out of stock": (
        ["payment.approved", "inventory.failed", "payment.reversed"],
        CANCELLED,
        [PAYMENT_APPROVED, INVENTORY_FAILED, PAYMENT_REVERSED, CANCELLED],
    ),
    "shipping failed": (
        [
            "payment.approved",
            "inventory.reserved",
            "shipping.failed",
            "inventory.released",
            "payment.reversed",
        ],
        CANCELLED,
        [PAYMENT_APPROVED, INVENTORY_RESERVED, SHIPPING_FAILED, PAYMENT_REVERSED, CANCELLED],
    ),
    "reservation expired": (
        [
            "payment.approved",
            "inventory.reserved",
            "shipping.scheduled",
            "inventory.released",
            "payment.reversed",
        ],
        CANCELLED,
        [PAYMENT_APPROVED, INVENTORY_RESERVED, PAYMENT_REVERSED, CANCELLED],
    ),
}


@pytest.mark.parametrize("saga", SAGAS)
def test_each_saga_in_order_walks_the_whole_history(saga):
    events, final, history = SAGAS[saga]
    assert run(PENDING, events) == (final, history)


@pytest.mark.parametrize("saga", SAGAS)
def test_each_saga_ends_the_same_whatever_order_its_events_arrive_in(saga):
    events, final, _ = SAGAS[saga]
    for permutation in itertools.permutations(events):
        status, _ = run(PENDING, list(permutation))
        assert status == final, f"{permutation} ended {status}"


@pytest.mark.parametrize("saga", SAGAS)
def test_each_saga_ends_the_same_with_every_event_delivered_again_late(saga):
    events, final, _ = SAGAS[saga]
    rng = random.Random(SEED)
    for _ in range(50):
        duplicated = events + [rng.choice(events) for _ in range(3)]
        rng.shuffle(duplicated)
        status, _ = run(PENDING, duplicated)
        assert status == final, f"seed {SEED}: {duplicated} ended {status}"


@pytest.mark.parametrize("saga", SAGAS)
def test_a_repeated_event_changes_nothing_the_second_time(saga):
    events, _, _ = SAGAS[saga]
    status = PENDING
    for event_type in events:
        status, _ = run(status, [event_type])
        again = domain.apply(status, event_type)
        assert again.statuses == ()
        assert again.note


def test_a_random_stream_of_events_never_regresses_an_order():
    rng = random.Random(SEED)
    for _ in range(500):
        run(PENDING, [rng.choice(ORDER_EVENTS) for _ in range(rng.randint(1, 12))])


@pytest.mark.parametrize(
    "status, keeps",
    [
        (PENDING, True),
        (PAYMENT_APPROVED, True),
        (INVENTORY_RESERVED, True),
        (CONFIRMED, True),
        (SHIPPING_FAILED, True),
        (CANCELLED, False),
        (PAYMENT_FAILED, False),
    ],
)
def test_a_tracking_code_is_kept_unless_the_order_was_cancelled_or_declined(status, keeps):
    assert domain.keeps_tracking_code(status) is keeps
