"""Shipping's handlers with an in-memory repository: schedule or refuse, never ship a reservation
that was released first, cancel a scheduled shipment whose stock went back."""

from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

import pytest

from events import ShippingFailed, ShippingScheduled
from shipping import domain, handlers
from shipping.settings import ShippingSettings
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.samples import event_of

SETTINGS = ShippingSettings(shipping_max_units=50)


@dataclass
class FakeShipments:
    rows: dict[UUID, dict] = field(default_factory=dict)  # order_id -> shipment

    async def find_for_update(self, conn, order_id):
        return self.rows.get(order_id)

    async def insert(self, conn, shipment_id, order_id, reservation_id, outcome):
        assert order_id not in self.rows
        status = "SCHEDULED" if isinstance(outcome, domain.Scheduled) else "FAILED"
        self.rows[order_id] = {"shipment_id": shipment_id, "status": status, "outcome": outcome}

    async def cancel(self, conn, order_id, reason):
        self.rows[order_id].update(status="CANCELLED", reason=reason)

    async def insert_tombstone(self, conn, shipment_id, order_id, reason):
        self.rows[order_id] = {"shipment_id": shipment_id, "status": "CANCELLED", "reason": reason}


@pytest.fixture
def shipments(monkeypatch) -> FakeShipments:
    fake = FakeShipments()
    monkeypatch.setattr(handlers, "repository", fake)
    return fake


def reserved(units: int):
    event = event_of("inventory.reserved")
    line = event.payload.items[0].model_copy(update={"quantity": units})
    return event.model_copy(update={"payload": event.payload.model_copy(update={"items": [line]})})


async def test_a_reservation_is_scheduled_with_freight_and_tracking_code(shipments):
    event = reserved(2)
    uow = FakeUnitOfWork()
    await handlers.schedule_shipment(event, uow, settings=SETTINGS)
    [scheduled] = uow.outbox
    assert isinstance(scheduled, ShippingScheduled) and scheduled.causation_id == event.event_id
    assert scheduled.payload.freight_cost == Decimal("13.00")
    assert scheduled.payload.tracking_code.startswith("TRK-") and len(scheduled.payload.tracking_code) == 12
    assert shipments.rows[event.order_id]["status"] == "SCHEDULED"
    assert shipments.rows[event.order_id]["shipment_id"] == scheduled.payload.shipment_id


async def test_too_many_units_fail_the_shipment(shipments):
    event = reserved(51)
    uow = FakeUnitOfWork()
    await handlers.schedule_shipment(event, uow, settings=SETTINGS)
    [failed] = uow.outbox
    assert isinstance(failed, ShippingFailed) and "51 units" in failed.payload.reason
    assert shipments.rows[event.order_id]["status"] == "FAILED"


async def test_a_reservation_seen_twice_is_scheduled_once(shipments):
    event = reserved(2)
    await handlers.schedule_shipment(event, FakeUnitOfWork(), settings=SETTINGS)
    again = FakeUnitOfWork()
    await handlers.schedule_shipment(event, again, settings=SETTINGS)
    assert again.outbox == [] and len(shipments.rows) == 1


async def test_a_release_before_the_reservation_leaves_a_tombstone_so_nothing_ships(shipments):
    event = reserved(2)
    await handlers.cancel_shipment(event_of("inventory.released", event.order_id), FakeUnitOfWork())
    uow = FakeUnitOfWork()
    await handlers.schedule_shipment(event, uow, settings=SETTINGS)
    assert uow.outbox == []
    assert shipments.rows[event.order_id]["status"] == "CANCELLED"


async def test_a_release_after_scheduling_cancels_the_shipment(shipments):
    event = reserved(2)
    await handlers.schedule_shipment(event, FakeUnitOfWork(), settings=SETTINGS)
    uow = FakeUnitOfWork()
    await handlers.cancel_shipment(event_of("inventory.released", event.order_id), uow)
    assert uow.outbox == []
    assert shipments.rows[event.order_id]["status"] == "CANCELLED"
    assert "expired" in shipments.rows[event.order_id]["reason"]
