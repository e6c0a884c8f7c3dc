"""Order's handler with an in-memory repository: every event lands in the history, some move the
status, and a tracking code is kept only on orders that were not cancelled or declined."""

from dataclasses import dataclass, field
from uuid import UUID, uuid4

import pytest

from messaging.errors import PermanentError
from order import domain, handlers
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.samples import event_of


@dataclass
class FakeOrders:
    """The order repository's three calls the handler makes, over dicts."""

    status: dict[UUID, str] = field(default_factory=dict)
    tracking: dict[UUID, str | None] = field(default_factory=dict)
    history: list[tuple] = field(default_factory=list)

    async def lock_status(self, conn, order_id):
        return self.status.get(order_id)

    async def update(self, conn, order_id, status, tracking_code):
        self.status[order_id] = status
        if tracking_code is not None:
            self.tracking[order_id] = tracking_code

    async def add_history(self, conn, order_id, statuses, event_type, event_id, applied, note):
        self.history.extend((order_id, s, event_type, event_id, applied, note) for s in statuses)


@pytest.fixture
def orders(monkeypatch) -> FakeOrders:
    fake = FakeOrders()
    monkeypatch.setattr(handlers, "repository", fake)
    return fake


async def deliver(orders: FakeOrders, order_id: UUID, event_type: str) -> None:
    await handlers.record_event(event_of(event_type, order_id), FakeUnitOfWork())


async def test_the_happy_path_confirms_and_keeps_the_tracking_code(orders):
    oid = uuid4()
    orders.status[oid] = domain.PENDING
    for event_type in ("payment.approved", "inventory.reserved", "shipping.scheduled", "inventory.committed"):
        await deliver(orders, oid, event_type)
    assert orders.status[oid] == domain.CONFIRMED
    assert orders.tracking[oid] == "TRK-AB12CD34"
    assert [(h[1], h[2], h[4]) for h in orders.history] == [
        (domain.PAYMENT_APPROVED, "payment.approved", True),
        (domain.INVENTORY_RESERVED, "inventory.reserved", True),
        (None, "shipping.scheduled", True),
        (domain.CONFIRMED, "inventory.committed", True),
    ]


async def test_a_tracking_code_arriving_after_confirmation_is_still_recorded(orders):
    oid = uuid4()
    orders.status[oid] = domain.CONFIRMED
    await deliver(orders, oid, "shipping.scheduled")
    assert orders.status[oid] == domain.CONFIRMED
    assert orders.tracking[oid] == "TRK-AB12CD34"


async def test_a_cancelled_order_gets_no_tracking_code(orders):
    oid = uuid4()
    orders.status[oid] = domain.CANCELLED
    await deliver(orders, oid, "shipping.scheduled")
    assert orders.status[oid] == domain.CANCELLED
    assert oid not in orders.tracking
    assert [(h[1], h[2]) for h in orders.history] == [(None, "shipping.scheduled")]


async def test_payment_reversed_records_both_statuses_with_the_same_event(orders):
    oid = uuid4()
    orders.status[oid] = domain.INVENTORY_FAILED
    event = event_of("payment.reversed", oid)
    await handlers.record_event(event, FakeUnitOfWork())
    assert orders.status[oid] == domain.CANCELLED
    assert [(h[1], h[3]) for h in orders.history] == [
        (domain.PAYMENT_REVERSED, event.event_id), (domain.CANCELLED, event.event_id),
    ]


async def test_a_late_event_is_recorded_but_not_applied(orders):
    oid = uuid4()
    orders.status[oid] = domain.CANCELLED
    await deliver(orders, oid, "inventory.committed")
    assert orders.status[oid] == domain.CANCELLED
    assert orders.history == [
        (oid, None, "inventory.committed", orders.history[0][3], False, "late: order already CANCELLED"),
    ]


async def test_an_out_of_order_event_is_recorded_but_not_applied(orders):
    oid = uuid4()
    orders.status[oid] = domain.INVENTORY_RESERVED
    await deliver(orders, oid, "payment.approved")
    assert orders.status[oid] == domain.INVENTORY_RESERVED
    assert [(h[1], h[4], h[5]) for h in orders.history] == [
        (None, False, "out of order: order already INVENTORY_RESERVED"),
    ]


async def test_an_event_for_an_unknown_order_is_a_permanent_error(orders):
    with pytest.raises(PermanentError, match="unknown order"):
        await deliver(orders, uuid4(), "payment.approved")
    assert orders.history == []
