"""The simulated gateway's approval rule (payment/domain.py decide)."""

from decimal import Decimal

import pytest

from payment.domain import Approved, Declined, decide

LIMIT = Decimal("10000.00")


@pytest.mark.parametrize("amount", ["0.01", "99.80", "9999.99", "10000.00"])
def test_up_to_the_limit_is_approved_for_the_whole_amount(amount):
    assert decide(Decimal(amount), LIMIT) == Approved(Decimal(amount))


@pytest.mark.parametrize("amount", ["10000.01", "10001.00", "1000000.00"])
def test_above_the_limit_is_declined_with_a_reason(amount):
    outcome = decide(Decimal(amount), LIMIT)
    assert isinstance(outcome, Declined)
    assert amount in outcome.reason and "10000.00" in outcome.reason


def test_the_limit_is_a_setting():
    assert isinstance(decide(Decimal("50.01"), Decimal("50.00")), Declined)
    assert isinstance(decide(Decimal("50.00"), Decimal("50.00")), Approved)


def test_the_default_limit_is_ten_thousand(monkeypatch):
    from payment.settings import PaymentSettings

    monkeypatch.delenv("PAYMENT_APPROVAL_LIMIT", raising=False)
    assert PaymentSettings().payment_approval_limit == LIMIT
    monkeypatch.setenv("PAYMENT_APPROVAL_LIMIT", "250.50")
    assert PaymentSettings().payment_approval_limit == Decimal("250.50")
