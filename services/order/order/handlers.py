"""Order's event handler: every saga event is recorded in the history; some move the status."""

from events import Event, ShippingScheduled
from messaging.errors import PermanentError
from order import domain, repository
from runtime.unit_of_work import UnitOfWork


async def record_event(event: Event, uow: UnitOfWork) -> None:
    status = await repository.lock_status(uow.conn, event.order_id)
    if status is None:
        raise PermanentError(f"{event.event_type} for unknown order {event.order_id}")
    outcome = domain.apply(status, event.event_type)
    new_status = outcome.statuses[-1] if outcome.statuses else status
    tracking = None
    if isinstance(event, ShippingScheduled) and domain.keeps_tracking_code(new_status):
        tracking = event.payload.tracking_code
    if outcome.statuses or tracking:
        await repository.update(uow.conn, event.order_id, new_status, tracking)
    await repository.add_history(
        uow.conn, event.order_id, list(outcome.statuses) or [None], event.event_type, event.event_id,
        outcome.applied, outcome.note,
    )
