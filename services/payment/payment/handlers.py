"""Payment's event handler: charge on order.created, reverse on inventory.failed / released.

A batch of events costs at most five statements whatever its size: lock its payments (in order id
order), one gateway call charging every approved order, insert the new payments, one gateway call
refunding every reversed one, mark those reversed. Everything is decided in memory first, one order's
events in arrival order, so a batch ends where the same events one at a time would.
"""

from uuid import uuid4

from events import (
    Event,
    InventoryFailed,
    InventoryReleased,
    OrderCreated,
    PaymentApproved,
    PaymentFailed,
    PaymentReversed,
)
from events.catalog import PaymentApprovedPayload, PaymentFailedPayload, PaymentReversedPayload
from messaging.batch import EventFailed, by_order
from messaging.errors import PermanentError
from messaging.unit_of_work import UnitOfWork
from payment import domain, repository
from payment.domain import Payment
from payment.gateway import SimulatedGateway
from payment.settings import PaymentSettings


async def apply_events(
    events: list[Event], uow: UnitOfWork, *, gateway: SimulatedGateway, settings: PaymentSettings
) -> None:
    events = by_order(events)  # order id order; one order's events keep their arrival order
    payments = await repository.lock(uow.conn, [e.order_id for e in events])
    new: list[Payment] = []
    reversed_: list[Payment] = []
    for event in events:
        payment = payments.get(event.order_id)
        if isinstance(event, OrderCreated):
            if payment is None:  # else one payment per order, whatever reaches us twice
                payments[event.order_id] = payment = _charge(event, uow, settings)
                new.append(payment)
        elif payment is None:
            raise EventFailed(event, PermanentError(f"no payment for order {event.order_id} to reverse"))
        elif payment.status == "APPROVED":  # else reversed already (or never charged): never refund twice
            _reverse(event, payment, uow)
            reversed_.append(payment)
    charging = {p.order_id: p.amount for p in new if p.status != "DECLINED"}  # approved (maybe reversed since)
    if charging:
        charges = await gateway.charge_many(charging)
        for p in new:
            p.charge_id = charges.get(p.order_id)
    if new:  # as they stand now: one reversed in this batch too gets its reversed_at from mark_reversed
        await repository.insert_many(uow.conn, new)
    if reversed_:
        await gateway.refund_many({p.order_id: (p.charge_id, p.amount) for p in reversed_})
        await repository.mark_reversed(uow.conn, reversed_)


def _charge(event: OrderCreated, uow: UnitOfWork, settings: PaymentSettings) -> Payment:
    """The new payment, approved (charged by the gateway once the batch is decided) or declined."""
    p = event.payload
    decision = domain.decide(p.total_amount, settings.payment_approval_limit)
    if isinstance(decision, domain.Declined):
        uow.outbox.append(event.caused(PaymentFailed, PaymentFailedPayload(reason=decision.reason)))
        return Payment(uuid4(), event.order_id, p.total_amount, "DECLINED", decision.reason)
    payment = Payment(uuid4(), event.order_id, decision.amount, "APPROVED")
    uow.outbox.append(event.caused(
        PaymentApproved, PaymentApprovedPayload(payment_id=payment.payment_id, amount=decision.amount, items=p.items)
    ))
    return payment


def _reverse(event: InventoryFailed | InventoryReleased, payment: Payment, uow: UnitOfWork) -> None:
    payment.status, payment.reason = "REVERSED", f"{event.event_type}: {event.payload.reason}"
    uow.outbox.append(event.caused(PaymentReversed, PaymentReversedPayload(
        payment_id=payment.payment_id, amount=payment.amount, reason=payment.reason,
    )))

