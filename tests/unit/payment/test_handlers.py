"""Payment's handlers with a fake gateway and an in-memory repository: one charge per order, a
decline is an event, a reversal refunds an approved payment once."""

from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from events import InventoryFailed, InventoryReleased, PaymentApproved, PaymentFailed, PaymentReversed
from messaging.errors import PermanentError
from payment import handlers
from payment.settings import PaymentSettings
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.samples import event_of, order_created

SETTINGS = PaymentSettings(payment_approval_limit=Decimal("10000.00"))


@dataclass
class FakeGateway:
    charges: dict[UUID, tuple[UUID, Decimal]] = field(default_factory=dict)
    refunds: dict[UUID, Decimal] = field(default_factory=dict)

    async def charge(self, order_id: UUID, amount: Decimal) -> UUID:
        return self.charges.setdefault(order_id, (uuid4(), amount))[0]

    async def refund(self, order_id: UUID, charge_id: UUID, amount: Decimal) -> UUID:
        assert self.charges[order_id][0] == charge_id
        self.refunds.setdefault(order_id, amount)
        return uuid4()


@dataclass
class FakePayments:
    rows: dict[UUID, dict] = field(default_factory=dict)  # order_id -> payment row

    async def find_for_update(self, conn, order_id):
        return self.rows.get(order_id)

    async def insert(self, conn, payment_id, order_id, amount, status, reason=None, charge_id=None):
        assert order_id not in self.rows, "a second payment for one order"
        self.rows[order_id] = {"payment_id": payment_id, "order_id": order_id, "amount": amount,
                               "status": status, "reason": reason, "charge_id": charge_id}

    async def mark_reversed(self, conn, payment_id, reason):
        row = next(r for r in self.rows.values() if r["payment_id"] == payment_id)
        row.update(status="REVERSED", reason=reason)


@pytest.fixture
def payments(monkeypatch) -> FakePayments:
    fake = FakePayments()
    monkeypatch.setattr(handlers, "repository", fake)
    return fake


async def charge(event, gateway) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    await handlers.charge_payment(event, uow, gateway=gateway, settings=SETTINGS)
    return uow


async def test_an_approved_charge_is_made_once_and_announced(payments):
    gateway = FakeGateway()
    created = order_created("99.80")
    uow = await charge(created, gateway)
    row = payments.rows[created.order_id]
    assert row["status"] == "APPROVED" and row["amount"] == Decimal("99.80")
    assert row["charge_id"] == gateway.charges[created.order_id][0]
    [event] = uow.outbox
    assert isinstance(event, PaymentApproved)
    assert event.order_id == created.order_id and event.causation_id == created.event_id
    assert event.payload.payment_id == row["payment_id"]
    assert event.payload.amount == Decimal("99.80") and event.payload.items == created.payload.items


async def test_order_created_seen_twice_charges_once_and_emits_nothing_more(payments):
    gateway = FakeGateway()
    created = order_created("99.80")
    await charge(created, gateway)
    again = await charge(created, gateway)
    assert again.outbox == []
    assert len(gateway.charges) == 1 and len(payments.rows) == 1


async def test_a_charge_above_the_limit_is_declined_without_touching_the_gateway(payments):
    gateway = FakeGateway()
    created = order_created("10000.01")
    uow = await charge(created, gateway)
    assert gateway.charges == {}
    assert payments.rows[created.order_id]["status"] == "DECLINED"
    [event] = uow.outbox
    assert isinstance(event, PaymentFailed) and "exceeds" in event.payload.reason


@pytest.mark.parametrize("cause", ["inventory.failed", "inventory.released"])
async def test_a_compensation_refunds_an_approved_payment_once(payments, cause):
    gateway = FakeGateway()
    created = order_created("99.80")
    await charge(created, gateway)
    event = event_of(cause, created.order_id)
    assert isinstance(event, InventoryFailed | InventoryReleased)
    uow = FakeUnitOfWork()
    await handlers.reverse_payment(event, uow, gateway=gateway)
    assert gateway.refunds == {created.order_id: Decimal("99.80")}
    assert payments.rows[created.order_id]["status"] == "REVERSED"
    [reversed_] = uow.outbox
    assert isinstance(reversed_, PaymentReversed) and reversed_.causation_id == event.event_id
    assert reversed_.payload.amount == Decimal("99.80") and cause in reversed_.payload.reason

    again = FakeUnitOfWork()
    await handlers.reverse_payment(event_of(cause, created.order_id), again, gateway=gateway)
    assert again.outbox == [] and len(gateway.refunds) == 1


async def test_a_declined_payment_is_never_refunded(payments):
    gateway = FakeGateway()
    created = order_created("20000.00")
    await charge(created, gateway)
    uow = FakeUnitOfWork()
    await handlers.reverse_payment(event_of("inventory.failed", created.order_id), uow, gateway=gateway)
    assert uow.outbox == [] and gateway.refunds == {}
    assert payments.rows[created.order_id]["status"] == "DECLINED"


async def test_reversing_an_order_with_no_payment_is_a_permanent_error(payments):
    with pytest.raises(PermanentError):
        await handlers.reverse_payment(event_of("inventory.failed"), FakeUnitOfWork(), gateway=FakeGateway())
