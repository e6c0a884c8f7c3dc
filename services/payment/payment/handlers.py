"""Payment's event handlers: charge on order.created, reverse on inventory.failed / released."""

from uuid import uuid4

from events import (
    InventoryFailed,
    InventoryReleased,
    OrderCreated,
    PaymentApproved,
    PaymentFailed,
    PaymentReversed,
)
from events.catalog import PaymentApprovedPayload, PaymentFailedPayload, PaymentReversedPayload
from messaging.errors import PermanentError
from payment import domain, repository
from payment.gateway import SimulatedGateway
from payment.settings import PaymentSettings
from runtime.unit_of_work import UnitOfWork


async def charge_payment(
    event: OrderCreated, uow: UnitOfWork, *, gateway: SimulatedGateway, settings: PaymentSettings
) -> None:
    if await repository.find_for_update(uow.conn, event.order_id):
        return  # one payment per order, whatever reaches us twice
    p = event.payload
    decision = domain.decide(p.total_amount, settings.payment_approval_limit)
    payment_id = uuid4()
    if isinstance(decision, domain.Declined):
        await repository.insert(uow.conn, payment_id, event.order_id, p.total_amount, "DECLINED", decision.reason)
        uow.outbox.append(event.caused(PaymentFailed, PaymentFailedPayload(reason=decision.reason)))
        return
    charge_id = await gateway.charge(event.order_id, decision.amount)
    await repository.insert(uow.conn, payment_id, event.order_id, decision.amount, "APPROVED", charge_id=charge_id)
    uow.outbox.append(event.caused(
        PaymentApproved, PaymentApprovedPayload(payment_id=payment_id, amount=decision.amount, items=p.items)
    ))


async def reverse_payment(
    event: InventoryFailed | InventoryReleased, uow: UnitOfWork, *, gateway: SimulatedGateway
) -> None:
    payment = await repository.find_for_update(uow.conn, event.order_id)
    if payment is None:
        raise PermanentError(f"no payment for order {event.order_id} to reverse")
    if payment["status"] != "APPROVED":
        return  # already reversed (or never charged): reversing twice would refund twice
    reason = f"{event.event_type}: {event.payload.reason}"
    await gateway.refund(event.order_id, payment["charge_id"], payment["amount"])
    await repository.mark_reversed(uow.conn, payment["payment_id"], reason)
    uow.outbox.append(event.caused(PaymentReversed, PaymentReversedPayload(
        payment_id=payment["payment_id"], amount=payment["amount"], reason=reason,
    )))


