"""Order's handler with an in-memory repository: every event lands in the history, some move the
status, and a tracking code and the shipments are kept only on orders that were not cancelled or
declined; a batch of events ends exactly where the same events one at a time would, in two repository
calls."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from events import CONSUMERS, ORDERLESS_TYPES, SCHEMA_VERSIONS
from events.catalog import Shipment
from messaging.batch import EventFailed
from messaging.errors import PermanentError
from order import domain, handlers, repository
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.samples import as_version, event_of


@dataclass
class FakeOrders:
    """The order repository's two calls the handler makes, over dicts (each call counted)."""

    status: dict[UUID, str] = field(default_factory=dict)
    tracking: dict[UUID, str | None] = field(default_factory=dict)
    history: list[tuple] = field(default_factory=list)
    shipments: dict[UUID, list[tuple]] = field(default_factory=dict)  # order -> (warehouse, code, freight)
    calls: int = 0
    HistoryRow = repository.HistoryRow
    ShipmentRow = repository.ShipmentRow

    async def lock_statuses(self, conn, order_ids):
        self.calls += 1
        return {oid: self.status[oid] for oid in order_ids if oid in self.status}

    async def record(self, conn, changes, rows, shipments):
        self.calls += 1
        for s in shipments:  # the table's key: an order's first list stays
            listed = self.shipments.setdefault(s.order_id, [])
            if s.shipment_no > len(listed):
                listed.append((s.warehouse_id, s.tracking_code, str(s.freight_cost)))
        for oid, (status, tracking_code) in changes.items():
            self.status[oid] = status
            if tracking_code is not None:
                self.tracking[oid] = tracking_code
        self.history.extend(tuple(r) for r in rows)


@pytest.fixture
def orders(monkeypatch) -> FakeOrders:
    fake = FakeOrders()
    monkeypatch.setattr(handlers, "repository", fake)
    return fake


async def deliver(orders: FakeOrders, order_id: UUID, event_type: str) -> None:
    await handlers.record_events([event_of(event_type, order_id)], FakeUnitOfWork())


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
    await handlers.record_events([event], FakeUnitOfWork())
    assert orders.status[oid] == domain.CANCELLED
    assert [(h[1], h[3]) for h in orders.history] == [
        (domain.PAYMENT_REVERSED, event.event_id),
        (domain.CANCELLED, event.event_id),
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
    with pytest.raises(EventFailed) as failed:
        await deliver(orders, uuid4(), "payment.approved")
    assert isinstance(failed.value.error, PermanentError)
    assert "unknown order" in str(failed.value.error)
    assert orders.history == []


HAPPY = ("payment.approved", "inventory.reserved", "shipping.scheduled", "inventory.committed")


async def test_a_batch_ends_where_the_same_events_one_at_a_time_end(orders, monkeypatch):
    a, b, c = uuid4(), uuid4(), uuid4()
    batch = [event_of(t, a) for t in HAPPY] + [event_of("payment.approved", b), event_of("payment.failed", c)]
    batch += [event_of("shipping.scheduled", b)]
    for oid in (a, b, c):
        orders.status[oid] = domain.PENDING
    one_at_a_time = FakeOrders(status=dict(orders.status))
    monkeypatch.setattr(handlers, "repository", one_at_a_time)
    for event in batch:
        await handlers.record_events([event], FakeUnitOfWork())
    monkeypatch.setattr(handlers, "repository", orders)

    await handlers.record_events(batch, FakeUnitOfWork())

    assert orders.calls == 2
    assert orders.status == one_at_a_time.status
    assert orders.status == {a: domain.CONFIRMED, b: domain.PAYMENT_APPROVED, c: domain.PAYMENT_FAILED}
    assert orders.tracking == one_at_a_time.tracking == {a: "TRK-AB12CD34", b: "TRK-AB12CD34"}
    assert orders.history == one_at_a_time.history
    assert orders.shipments == one_at_a_time.shipments
    assert set(orders.shipments) == {a, b}


def scheduled_from(order_id: UUID, *parcels: tuple[str, str, str]):
    """A version-2 shipping.scheduled with one shipment per (warehouse, tracking code, freight)."""
    event = event_of("shipping.scheduled", order_id)
    shipments = [
        Shipment(
            shipment_id=uuid4(),
            warehouse_id=w,
            tracking_code=code,
            freight_cost=Decimal(freight),
            estimated_delivery=date(2030, 1, 5),
        )
        for w, code, freight in parcels
    ]
    payload = event.payload.model_copy(
        update={"shipment_id": shipments[0].shipment_id, "tracking_code": shipments[0].tracking_code}
    )
    return event.model_copy(update={"payload": payload.model_copy(update={"shipments": shipments})})


async def test_each_shipment_is_recorded_and_the_tracking_code_is_the_first_s(orders):
    oid = uuid4()
    orders.status[oid] = domain.INVENTORY_RESERVED
    event = scheduled_from(oid, ("west", "TRK-WEST0001", "14.50"), ("east", "TRK-EAST0001", "11.50"))
    await handlers.record_events([event], FakeUnitOfWork())
    assert orders.shipments[oid] == [("west", "TRK-WEST0001", "14.50"), ("east", "TRK-EAST0001", "11.50")]
    assert orders.tracking[oid] == "TRK-WEST0001"


async def test_a_version_1_shipping_scheduled_is_one_shipment_from_an_unnamed_warehouse(orders):
    oid = uuid4()
    orders.status[oid] = domain.INVENTORY_RESERVED
    event = event_of("shipping.scheduled", oid).model_copy(update={"schema_version": 1})
    await handlers.record_events([event], FakeUnitOfWork())
    assert orders.shipments[oid] == [(None, "TRK-AB12CD34", "13.00")]


async def test_a_cancelled_order_gets_no_shipments(orders):
    oid = uuid4()
    orders.status[oid] = domain.CANCELLED
    await handlers.record_events([scheduled_from(oid, ("west", "TRK-WEST0001", "14.50"))], FakeUnitOfWork())
    assert oid not in orders.shipments and oid not in orders.tracking


async def test_a_batch_with_an_unknown_order_fails_blaming_that_event(orders):
    known = uuid4()
    orders.status[known] = domain.PENDING
    stray = event_of("payment.approved", uuid4())
    with pytest.raises(EventFailed) as failed:
        await handlers.record_events([event_of("payment.approved", known), stray], FakeUnitOfWork())
    assert failed.value.event is stray and isinstance(failed.value.error, PermanentError)
    assert orders.history == []


PATHS = {  # one order per ending; together they carry every event type order consumes
    domain.CONFIRMED: HAPPY,
    domain.PAYMENT_FAILED: ("payment.failed",),
    domain.CANCELLED: ("payment.approved", "inventory.failed", "payment.reversed"),
    domain.SHIPPING_FAILED: (
        "payment.approved",
        "inventory.reserved",
        "shipping.failed",
        "inventory.released",
    ),
}


async def test_every_schema_version_of_each_event_it_consumes_ends_the_same(orders, monkeypatch):
    """A rolling deploy: the other services write version 1, 2 or 3; order records the same with each."""
    ids = {ending: uuid4() for ending in PATHS}
    batch = [event_of(t, ids[ending]) for ending, types in PATHS.items() for t in types]
    assert {e.event_type for e in batch} == set(CONSUMERS["order"]) - ORDERLESS_TYPES

    seen = {}
    for version in SCHEMA_VERSIONS:
        repo = FakeOrders(status=dict.fromkeys(ids.values(), domain.PENDING))
        monkeypatch.setattr(handlers, "repository", repo)
        await handlers.record_events([as_version(e, version) for e in batch], FakeUnitOfWork())
        assert repo.status == {oid: ending for ending, oid in ids.items()}
        assert repo.tracking == {ids[domain.CONFIRMED]: "TRK-AB12CD34"}
        assert len(repo.history) == len(batch) + 1  # payment.reversed records two statuses
        seen[version] = (repo.status, repo.tracking, repo.history)
    assert [seen[v] for v in SCHEMA_VERSIONS] == [seen[1]] * len(SCHEMA_VERSIONS)
