"""Payment's handler with a fake gateway and an in-memory repository: one charge per order, a decline is
an event, a reversal refunds an approved payment once; a batch of events ends exactly where the same
events one at a time would, in a fixed number of repository and gateway calls."""

from dataclasses import dataclass, field, replace
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from events import (
    CONSUMERS,
    LATEST_VERSION,
    SCHEMA_VERSIONS,
    InventoryFailed,
    InventoryReleased,
    OrderCreated,
    PaymentApproved,
    PaymentFailed,
    PaymentReversed,
)
from messaging.batch import EventFailed
from messaging.errors import PermanentError
from payment import handlers
from payment.domain import Payment
from payment.settings import PaymentSettings
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.samples import as_version, event_of, order_created, with_added_fields

SETTINGS = PaymentSettings(payment_approval_limit=Decimal("10000.00"))


@dataclass
class FakeGateway:
    """Dedups on the order id like the simulated one; each call counted."""

    charges: dict[UUID, tuple[UUID, Decimal]] = field(default_factory=dict)
    refunds: dict[UUID, Decimal] = field(default_factory=dict)
    calls: int = 0

    async def charge_many(self, amounts):
        self.calls += 1
        return {oid: self.charges.setdefault(oid, (uuid4(), amount))[0] for oid, amount in amounts.items()}

    async def refund_many(self, charges):
        self.calls += 1
        for oid, (charge_id, amount) in charges.items():
            assert self.charges[oid] == (charge_id, amount), "a refund of another charge"
            self.refunds.setdefault(oid, amount)
        return {oid: uuid4() for oid in charges}


@dataclass
class FakePayments:
    """The payment repository's calls over a dict (each call counted); rows leave and enter as copies,
    as they would through a database."""

    rows: dict[UUID, Payment] = field(default_factory=dict)  # order_id -> payment row
    reversed_at: set[UUID] = field(default_factory=set)  # payment ids
    calls: int = 0

    async def lock(self, conn, order_ids):
        self.calls += 1
        return {oid: replace(self.rows[oid]) for oid in sorted(set(order_ids)) if oid in self.rows}

    async def insert_many(self, conn, payments):
        self.calls += 1
        for p in payments:
            assert p.order_id not in self.rows, "a second payment for one order"
            self.rows[p.order_id] = replace(p)

    async def mark_reversed(self, conn, payments):
        self.calls += 1
        for p in payments:
            row = next(r for r in self.rows.values() if r.payment_id == p.payment_id)
            row.status, row.reason = "REVERSED", p.reason
            self.reversed_at.add(p.payment_id)


@pytest.fixture
def payments(monkeypatch) -> FakePayments:
    fake = FakePayments()
    monkeypatch.setattr(handlers, "repository", fake)
    return fake


async def apply(events, gateway) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    await handlers.apply_events(events, uow, gateway=gateway, settings=SETTINGS)
    return uow


async def charge(event, gateway) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    await handlers.apply_events([event], uow, gateway=gateway, settings=SETTINGS)
    return uow


async def test_an_approved_charge_is_made_once_and_announced(payments):
    gateway = FakeGateway()
    created = order_created("99.80")
    uow = await charge(created, gateway)
    row = payments.rows[created.order_id]
    assert row.status == "APPROVED" and row.amount == Decimal("99.80")
    assert row.charge_id == gateway.charges[created.order_id][0]
    [event] = uow.outbox
    assert isinstance(event, PaymentApproved)
    assert event.order_id == created.order_id and event.causation_id == created.event_id
    assert event.payload.payment_id == row.payment_id
    assert event.payload.amount == Decimal("99.80") and event.payload.items == created.payload.items
    assert event.payload.hold_id is None  # the order claimed no hold


async def test_the_order_s_checkout_hold_is_carried_on_in_payment_approved(payments):
    created = order_created("99.80")
    hold = uuid4()
    created = created.model_copy(update={"payload": created.payload.model_copy(update={"hold_id": hold})})
    [event] = (await charge(created, FakeGateway())).outbox
    assert isinstance(event, PaymentApproved) and event.payload.hold_id == hold
    assert event.payload.customer_id == created.payload.customer_id  # inventory claims only its holds
    assert event.schema_version == LATEST_VERSION == 3
    # a payment service writing an earlier version drops what that version has not
    v2, v1 = as_version(event, 2).payload, as_version(event, 1).payload
    assert v2.hold_id == hold and v2.customer_id is None
    assert v1.hold_id is None and v1.customer_id is None


async def test_a_version_1_order_created_approves_without_a_hold(payments):
    created = order_created("99.80").model_copy(update={"schema_version": 1})
    [event] = (await charge(created, FakeGateway())).outbox
    assert isinstance(event, PaymentApproved) and event.payload.hold_id is None


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
    assert gateway.charges == {} and gateway.calls == 0
    assert payments.rows[created.order_id].status == "DECLINED"
    [event] = uow.outbox
    assert isinstance(event, PaymentFailed) and "exceeds" in event.payload.reason


@pytest.mark.parametrize("cause", ["inventory.failed", "inventory.released"])
async def test_a_compensation_refunds_an_approved_payment_once(payments, cause):
    gateway = FakeGateway()
    created = order_created("99.80")
    await charge(created, gateway)
    event = event_of(cause, created.order_id)
    assert isinstance(event, InventoryFailed | InventoryReleased)
    uow = await charge(event, gateway)
    assert gateway.refunds == {created.order_id: Decimal("99.80")}
    row = payments.rows[created.order_id]
    assert row.status == "REVERSED" and row.payment_id in payments.reversed_at
    [reversed_] = uow.outbox
    assert isinstance(reversed_, PaymentReversed) and reversed_.causation_id == event.event_id
    assert reversed_.payload.amount == Decimal("99.80") and cause in reversed_.payload.reason
    assert reversed_.payload.payment_id == row.payment_id and reversed_.payload.reason == row.reason

    again = await charge(event_of(cause, created.order_id), gateway)
    assert again.outbox == [] and len(gateway.refunds) == 1


async def test_a_declined_payment_is_never_refunded(payments):
    gateway = FakeGateway()
    created = order_created("20000.00")
    await charge(created, gateway)
    uow = await charge(event_of("inventory.failed", created.order_id), gateway)
    assert uow.outbox == [] and gateway.refunds == {}
    assert payments.rows[created.order_id].status == "DECLINED"


async def test_reversing_an_order_with_no_payment_is_a_permanent_error(payments):
    stray = event_of("inventory.failed")
    with pytest.raises(EventFailed) as failed:
        await charge(stray, FakeGateway())
    assert failed.value.event is stray and isinstance(failed.value.error, PermanentError)
    assert str(failed.value.error) == f"no payment for order {stray.order_id} to reverse"


def observed(payments: FakePayments, gateway: FakeGateway, outbox: list) -> tuple:
    """What a run left behind, without the ids it drew at random; one order's events keep their order."""
    for p in payments.rows.values():
        assert p.charge_id == (gateway.charges[p.order_id][0] if p.order_id in gateway.charges else None)
        assert (p.status == "REVERSED") == (p.payment_id in payments.reversed_at)
    rows = {oid: (p.amount, p.status, p.reason) for oid, p in payments.rows.items()}
    charges = {oid: amount for oid, (_, amount) in gateway.charges.items()}
    events = [
        (e.event_type, e.order_id, e.causation_id, e.payload.model_dump(exclude={"payment_id"}))
        for e in sorted(outbox, key=lambda e: e.order_id)  # stable: per order, the order they were emitted in
    ]
    return rows, charges, gateway.refunds, events


async def test_a_batch_ends_where_the_same_events_one_at_a_time_end(payments, monkeypatch):
    earlier = [order_created("15.00") for _ in range(2)]  # paid in an earlier batch, reversed in this one
    a, b, c, d = (
        order_created("10.00"),
        order_created("20000.00"),
        order_created("30.00"),
        order_created("40.00"),
    )
    batch = [
        a,
        b,
        event_of("inventory.released", earlier[0].order_id),
        c,
        a.model_copy(update={"event_id": uuid4()}),  # a second order.created for one order
        event_of("inventory.failed", c.order_id),  # made and reversed in the same batch
        event_of("inventory.failed", b.order_id),  # declined: nothing to refund
        d,
        event_of("inventory.failed", earlier[1].order_id),
        event_of("inventory.released", earlier[1].order_id),
    ]

    one_gateway, one_payments, one_outbox = FakeGateway(), FakePayments(), []
    monkeypatch.setattr(handlers, "repository", one_payments)
    for event in earlier + batch:
        one_outbox += (await charge(event, one_gateway)).outbox
    one_outbox = one_outbox[len(earlier) :]

    gateway = FakeGateway()
    monkeypatch.setattr(handlers, "repository", payments)
    await apply(earlier, gateway)
    uow = await apply(batch, gateway)

    assert observed(payments, gateway, uow.outbox) == observed(one_payments, one_gateway, one_outbox)
    assert {oid: p.status for oid, p in payments.rows.items()} == {
        a.order_id: "APPROVED",
        b.order_id: "DECLINED",
        c.order_id: "REVERSED",
        d.order_id: "APPROVED",
        earlier[0].order_id: "REVERSED",
        earlier[1].order_id: "REVERSED",
    }
    assert [e.event_type for e in uow.outbox if e.order_id == c.order_id] == [
        "payment.approved",
        "payment.reversed",
    ]
    assert set(gateway.refunds) == {c.order_id, *(e.order_id for e in earlier)}


@pytest.mark.parametrize("size", [1, 10, 50])
async def test_a_batch_costs_three_statements_and_two_gateway_calls_whatever_its_size(payments, size):
    gateway = FakeGateway()
    paid = [order_created("15.00") for _ in range(size)]
    await apply(paid, gateway)
    payments.calls = gateway.calls = 0

    fresh = [order_created("10.00") for _ in range(size)] + [order_created("20000.00") for _ in range(size)]
    uow = await apply(fresh + [event_of("inventory.failed", p.order_id) for p in paid], gateway)

    assert payments.calls == 3  # lock, insert the new payments, mark the reversed ones
    assert gateway.calls == 2  # one charge, one refund
    assert len(uow.outbox) == 3 * size and len(gateway.charges) == 2 * size and len(gateway.refunds) == size


async def test_a_reversal_with_no_payment_fails_its_batch_blaming_that_event_before_any_charge(payments):
    gateway = FakeGateway()
    stray = event_of("inventory.released")
    with pytest.raises(EventFailed) as failed:
        await apply([order_created(), stray, order_created()], gateway)
    assert failed.value.event is stray and isinstance(failed.value.error, PermanentError)
    assert str(failed.value.error) == f"no payment for order {stray.order_id} to reverse"
    assert gateway.charges == {} and payments.rows == {}


def claiming(event: OrderCreated, total: str) -> OrderCreated:
    """The same order claiming a total its items do not add up to (a producer's bug, or a forgery)."""
    payload = event.payload.model_copy(update={"total_amount": Decimal(total)})
    return event.model_copy(update={"payload": payload})


@pytest.mark.parametrize("claimed", ["0.00", "0.01", "99.79", "99.81", "199.60"])
async def test_an_order_whose_total_is_not_its_items_sum_is_refused_and_nothing_charged(payments, claimed):
    gateway = FakeGateway()
    forged = claiming(order_created("99.80"), claimed)  # 2 x 49.90
    uow = FakeUnitOfWork()
    with pytest.raises(EventFailed) as failed:
        await handlers.apply_events([forged], uow, gateway=gateway, settings=SETTINGS)
    assert failed.value.event is forged and isinstance(failed.value.error, PermanentError)
    assert str(failed.value.error) == f"total_amount {claimed} is not the sum of the items, 99.80"
    assert gateway.calls == 0 and payments.rows == {} and uow.outbox == []


async def test_a_total_claimed_under_the_limit_for_items_above_it_is_not_approved(payments):
    gateway = FakeGateway()
    forged = claiming(order_created("20000.00"), "10.00")
    with pytest.raises(EventFailed) as failed:
        await charge(forged, gateway)
    assert isinstance(failed.value.error, PermanentError)
    assert gateway.charges == {} and payments.rows == {}


async def test_a_refused_total_fails_its_batch_blaming_that_event_before_any_charge(payments):
    gateway = FakeGateway()
    forged = claiming(order_created("10.00"), "1.00")
    with pytest.raises(EventFailed) as failed:
        await apply([order_created(), forged, order_created()], gateway)
    assert failed.value.event is forged and isinstance(failed.value.error, PermanentError)
    assert gateway.calls == 0 and payments.rows == {}


async def test_an_event_payment_does_not_consume_is_a_permanent_error_not_a_reversal(payments):
    gateway = FakeGateway()
    created = order_created()
    await charge(created, gateway)
    stray = event_of("payment.approved", created.order_id)
    with pytest.raises(EventFailed) as failed:
        await charge(stray, gateway)
    assert failed.value.event is stray and isinstance(failed.value.error, PermanentError)
    assert str(failed.value.error) == "payment does not consume payment.approved"
    assert payments.rows[created.order_id].status == "APPROVED" and gateway.refunds == {}


async def test_a_charge_the_gateway_did_not_answer_is_never_recorded_as_approved(payments):
    gateway = FakeGateway()
    created = order_created()

    async def forgetful(amounts):  # a gateway answer that leaves an order out
        await FakeGateway.charge_many(gateway, amounts)
        return {}

    gateway.charge_many = forgetful
    uow = FakeUnitOfWork()
    with pytest.raises(RuntimeError, match=str(created.order_id)):
        await handlers.apply_events([created], uow, gateway=gateway, settings=SETTINGS)
    assert payments.rows == {}  # the batch fails (and is retried): no approved payment without its charge


async def test_reversing_an_approved_payment_with_no_charge_is_a_permanent_error_not_a_refund(payments):
    gateway = FakeGateway()
    created = order_created()
    await charge(created, gateway)
    payments.rows[created.order_id].charge_id = None  # a row that breaks the invariant
    event = event_of("inventory.failed", created.order_id)
    with pytest.raises(EventFailed) as failed:
        await charge(event, gateway)
    assert failed.value.event is event and isinstance(failed.value.error, PermanentError)
    assert "no charge to refund" in str(failed.value.error)
    assert gateway.refunds == {} and payments.rows[created.order_id].status == "APPROVED"


async def test_every_schema_version_of_each_event_it_consumes_ends_the_same(payments, monkeypatch):
    """A rolling deploy: producers write version 1, 2 or 3; payment does the same with each."""
    paid = [order_created("15.00") for _ in range(2)]  # reversed by inventory.failed, inventory.released
    fresh = order_created("10.00")
    batch = [
        fresh,
        event_of("inventory.failed", paid[0].order_id),
        event_of("inventory.released", paid[1].order_id),
    ]
    assert {e.event_type for e in batch} == set(CONSUMERS["payment"])

    seen = {}
    for version in SCHEMA_VERSIONS:
        gateway, repo = FakeGateway(), FakePayments()
        monkeypatch.setattr(handlers, "repository", repo)
        await apply([as_version(e, version) for e in paid], gateway)
        uow = await apply([as_version(e, version) for e in batch], gateway)
        assert {oid: p.status for oid, p in repo.rows.items()} == {
            fresh.order_id: "APPROVED",
            paid[0].order_id: "REVERSED",
            paid[1].order_id: "REVERSED",
        }
        seen[version] = observed(repo, gateway, uow.outbox)
    assert [seen[v] for v in SCHEMA_VERSIONS] == [seen[1]] * len(SCHEMA_VERSIONS)


async def test_a_version_2_hold_mismatch_reverses_the_payment_like_its_version_1_out_of_stock(payments):
    gateway = FakeGateway()
    created = order_created("99.80")
    await charge(created, gateway)
    mismatch = with_added_fields(event_of("inventory.failed", created.order_id))
    uow = await charge(mismatch, gateway)
    [reversed_] = uow.outbox
    assert (
        isinstance(reversed_, PaymentReversed)
        and reversed_.payload.reason == "inventory.failed: hold_mismatch"
    )
    assert gateway.refunds == {created.order_id: Decimal("99.80")}
