"""Payment's event handler: charge on order.created, reverse on inventory.failed / released.

A batch of events costs at most five statements whatever its size: lock its payments (in order id
order), one gateway call charging every approved order, insert the new payments, one gateway call
refunding every reversed one, mark those reversed. Everything is decided in memory first, one order's
events in arrival order, so a batch ends where the same events one at a time would.

The amount charged is the order's items summed (events.order_total), never the total an event claims:
an order.created whose total_amount says otherwise goes to the DLQ with the reason, charging nothing.
"""

from decimal import Decimal
from uuid import UUID, uuid4

from events import (
    Event,
    InventoryFailed,
    InventoryReleased,
    OrderCreated,
    PaymentApproved,
    PaymentFailed,
    PaymentReversed,
    order_total,
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
    reversals: list[tuple[InventoryFailed | InventoryReleased, Payment]] = []
    for event in events:
        payment = payments.get(event.order_id)
        if isinstance(event, OrderCreated):
            amount = _amount(event)  # before anything else: a total we cannot trust is never charged
            if payment is None:  # else one payment per order, whatever reaches us twice
                payments[event.order_id] = payment = _charge(event, amount, uow, settings)
                new.append(payment)
        elif isinstance(event, InventoryFailed | InventoryReleased):
            if payment is None:
                raise EventFailed(event, PermanentError(f"no payment for order {event.order_id} to reverse"))
            if payment.status == "APPROVED":  # else reversed already (or never charged): never refund twice
                _reverse(event, payment, uow)
                reversals.append((event, payment))
        else:  # the consumer decodes each queue's one event type, so this is a routing mistake
            raise EventFailed(event, PermanentError(f"payment does not consume {event.event_type}"))
    charging = {
        p.order_id: p.amount for p in new if p.status != "DECLINED"
    }  # approved (maybe reversed since)
    if charging:
        charges = await gateway.charge_many(charging)
        if missing := sorted(charging.keys() - charges.keys()):
            # never record an approval without its charge; the batch is retried, and the gateway dedups
            raise RuntimeError(f"the gateway answered no charge for orders {', '.join(map(str, missing))}")
        for p in new:
            p.charge_id = charges.get(p.order_id)  # None for a declined payment: nothing was charged
    if new:  # as they stand now: one reversed in this batch too gets its reversed_at from mark_reversed
        await repository.insert_many(uow.conn, new)
    if reversals:
        await gateway.refund_many({p.order_id: (_charge_of(event, p), p.amount) for event, p in reversals})
        await repository.mark_reversed(uow.conn, [p for _, p in reversals])


def _amount(event: OrderCreated) -> Decimal:
    """What the order costs, recomputed from its items: a total that says otherwise is refused."""
    amount = order_total(event.payload.items)
    if amount != event.payload.total_amount:
        raise EventFailed(
            event,
            PermanentError(
                f"total_amount {event.payload.total_amount} is not the sum of the items, {amount}"
            ),
        )
    return amount


def _charge(event: OrderCreated, amount: Decimal, uow: UnitOfWork, settings: PaymentSettings) -> Payment:
    """The new payment, approved (charged by the gateway once the batch is decided) or declined."""
    decision = domain.decide(amount, settings.payment_approval_limit)
    if isinstance(decision, domain.Declined):
        uow.outbox.append(event.caused(PaymentFailed, PaymentFailedPayload(reason=decision.reason)))
        return Payment(uuid4(), event.order_id, amount, "DECLINED", decision.reason)
    payment = Payment(uuid4(), event.order_id, decision.amount, "APPROVED")
    uow.outbox.append(
        event.caused(
            PaymentApproved,
            PaymentApprovedPayload(
                payment_id=payment.payment_id,
                amount=decision.amount,
                items=event.payload.items,
                hold_id=event.payload.hold_id,  # the checkout hold goes on to inventory, which claims it
                customer_id=event.payload.customer_id,  # whose hold it may claim
            ),
        )
    )
    return payment


def _reverse(event: InventoryFailed | InventoryReleased, payment: Payment, uow: UnitOfWork) -> None:
    payment.status, payment.reason = "REVERSED", f"{event.event_type}: {event.payload.reason}"
    uow.outbox.append(
        event.caused(
            PaymentReversed,
            PaymentReversedPayload(
                payment_id=payment.payment_id,
                amount=payment.amount,
                reason=payment.reason,
            ),
        )
    )


def _charge_of(event: InventoryFailed | InventoryReleased, payment: Payment) -> UUID:
    """The charge a reversal refunds. An approved payment always has one (it is recorded with it); one
    without is a broken invariant no retry mends, so it goes to the DLQ instead of to the gateway."""
    if payment.charge_id is None:
        raise EventFailed(
            event,
            PermanentError(
                f"payment {payment.payment_id} of order {payment.order_id} is approved with no charge to refund"
            ),
        )
    return payment.charge_id
