"""Shipping's handler with an in-memory repository: schedule or refuse, never ship a reservation that
was released first, cancel a scheduled shipment whose stock went back; a batch of events ends exactly
where the same events one at a time would, in a fixed number of repository calls."""

from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from events import CONSUMERS, SCHEMA_VERSIONS, ShippingFailed, ShippingScheduled
from messaging.batch import EventFailed
from messaging.errors import PermanentError
from shipping import domain, handlers, repository
from shipping.settings import ShippingSettings
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.samples import as_version, event_of

SETTINGS = ShippingSettings(shipping_max_units=50)
STATUS = {domain.Scheduled: "SCHEDULED", domain.Refused: "FAILED", domain.Tombstone: "CANCELLED"}


@dataclass
class FakeShipments:
    """The shipment repository's calls over a dict (each call counted)."""

    rows: dict[UUID, dict] = field(default_factory=dict)  # order_id -> shipment
    calls: int = 0
    NewShipment = repository.NewShipment

    async def lock(self, conn, order_ids):
        self.calls += 1
        return {oid: self.rows[oid]["status"] for oid in sorted(set(order_ids)) if oid in self.rows}

    async def insert_many(self, conn, shipments):
        self.calls += 1
        for s in shipments:
            assert s.order_id not in self.rows, "a second shipment for one order"
            reason = None if isinstance(s.outcome, domain.Scheduled) else s.outcome.reason
            self.rows[s.order_id] = {
                "shipment_id": s.shipment_id,
                "reservation_id": s.reservation_id,
                "status": STATUS[type(s.outcome)],
                "outcome": s.outcome,
                "reason": reason,
            }

    async def cancel_many(self, conn, reasons):
        self.calls += 1
        for oid, reason in reasons.items():
            self.rows[oid].update(status="CANCELLED", reason=reason)


@pytest.fixture
def shipments(monkeypatch) -> FakeShipments:
    fake = FakeShipments()
    monkeypatch.setattr(handlers, "repository", fake)
    return fake


def reserved(units: int, order_id: UUID | None = None):
    event = event_of("inventory.reserved", order_id)
    line = event.payload.items[0].model_copy(update={"quantity": units})
    return event.model_copy(update={"payload": event.payload.model_copy(update={"items": [line]})})


def released(order_id: UUID):
    return event_of("inventory.released", order_id)


async def apply(events) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    await handlers.apply_events(events, uow, settings=SETTINGS)
    return uow


async def deliver(event) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    await handlers.apply_events([event], uow, settings=SETTINGS)
    return uow


async def test_a_reservation_is_scheduled_with_freight_and_tracking_code(shipments):
    event = reserved(2)
    uow = await deliver(event)
    [scheduled] = uow.outbox
    assert isinstance(scheduled, ShippingScheduled) and scheduled.causation_id == event.event_id
    assert scheduled.payload.freight_cost == Decimal("13.00")
    assert scheduled.payload.tracking_code.startswith("TRK-") and len(scheduled.payload.tracking_code) == 12
    row = shipments.rows[event.order_id]
    assert row["status"] == "SCHEDULED" and row["reservation_id"] == event.payload.reservation_id
    assert row["shipment_id"] == scheduled.payload.shipment_id
    assert row["outcome"].tracking_code == scheduled.payload.tracking_code


async def test_too_many_units_fail_the_shipment(shipments):
    event = reserved(51)
    uow = await deliver(event)
    [failed] = uow.outbox
    assert isinstance(failed, ShippingFailed) and "51 units" in failed.payload.reason
    assert shipments.rows[event.order_id]["status"] == "FAILED"
    assert shipments.rows[event.order_id]["reason"] == failed.payload.reason


async def test_a_reservation_seen_twice_is_scheduled_once(shipments):
    event = reserved(2)
    await deliver(event)
    again = await deliver(event)
    assert again.outbox == [] and len(shipments.rows) == 1


async def test_a_release_before_the_reservation_leaves_a_tombstone_so_nothing_ships(shipments):
    event = reserved(2)
    await deliver(released(event.order_id))
    uow = await deliver(event)
    assert uow.outbox == []
    assert shipments.rows[event.order_id]["status"] == "CANCELLED"


async def test_a_release_after_scheduling_cancels_the_shipment(shipments):
    event = reserved(2)
    await deliver(event)
    uow = await deliver(released(event.order_id))
    assert uow.outbox == []
    assert shipments.rows[event.order_id]["status"] == "CANCELLED"
    assert "expired" in shipments.rows[event.order_id]["reason"]


def observed(shipments: FakeShipments, outbox: list) -> tuple:
    """What a run left behind, without the ids and tracking codes it drew at random; one order's events
    keep their order."""
    rows = {
        oid: (
            r["status"],
            r["reason"],
            r["reservation_id"],
            r["outcome"].units if isinstance(r["outcome"], domain.Scheduled) else None,
        )
        for oid, r in shipments.rows.items()
    }
    events = [
        (
            e.event_type,
            e.order_id,
            e.causation_id,
            e.payload.model_dump(exclude={"shipment_id", "tracking_code"}),
        )
        for e in sorted(outbox, key=lambda e: e.order_id)  # stable: per order, the order they were emitted in
    ]
    return rows, events


async def test_a_batch_ends_where_the_same_events_one_at_a_time_end(shipments, monkeypatch):
    earlier = [reserved(3) for _ in range(2)]  # scheduled in an earlier batch
    a, b, c, d = reserved(2), reserved(51), reserved(4), reserved(5)
    batch = [
        a,
        released(earlier[0].order_id),
        b,
        released(c.order_id),
        c,  # released first: a tombstone, no shipment
        a.model_copy(update={"event_id": uuid4()}),  # a second inventory.reserved for one order
        d,
        released(d.order_id),  # scheduled, then cancelled in the same batch
        released(b.order_id),  # a failed shipment stays failed
        released(earlier[1].order_id),
        released(earlier[1].order_id),
    ]

    one_at_a_time = FakeShipments()
    monkeypatch.setattr(handlers, "repository", one_at_a_time)
    one_outbox = []
    for event in earlier + batch:
        one_outbox += (await deliver(event)).outbox
    one_outbox = one_outbox[len(earlier) :]

    monkeypatch.setattr(handlers, "repository", shipments)
    await apply(earlier)
    uow = await apply(batch)

    assert observed(shipments, uow.outbox) == observed(one_at_a_time, one_outbox)
    assert {oid: r["status"] for oid, r in shipments.rows.items()} == {
        a.order_id: "SCHEDULED",
        b.order_id: "FAILED",
        c.order_id: "CANCELLED",
        d.order_id: "CANCELLED",
        earlier[0].order_id: "CANCELLED",
        earlier[1].order_id: "CANCELLED",
    }
    assert shipments.rows[c.order_id]["outcome"] == domain.Tombstone("reservation released: expired")
    assert {e.order_id: e.event_type for e in uow.outbox} == {
        a.order_id: "shipping.scheduled",
        b.order_id: "shipping.failed",
        d.order_id: "shipping.scheduled",
    }
    assert len(uow.outbox) == 3


@pytest.mark.parametrize("size", [1, 10, 50])
async def test_a_batch_costs_three_statements_whatever_its_size(shipments, size):
    scheduled = [reserved(2) for _ in range(size)]
    await apply(scheduled)
    shipments.calls = 0

    fresh = [reserved(2) for _ in range(size)] + [reserved(60) for _ in range(size)]
    uow = await apply(
        fresh + [released(uuid4()) for _ in range(size)] + [released(s.order_id) for s in scheduled]
    )

    assert shipments.calls == 3  # lock, insert the new shipments and tombstones, cancel
    assert len(uow.outbox) == 2 * size and len(shipments.rows) == 4 * size
    assert all(shipments.rows[s.order_id]["status"] == "CANCELLED" for s in scheduled)


async def test_an_event_shipping_does_not_consume_is_a_permanent_error_not_a_release(shipments):
    scheduled = reserved(2)
    await deliver(scheduled)
    stray = event_of("shipping.failed", scheduled.order_id)  # a reason too, like inventory.released
    with pytest.raises(EventFailed) as failed:
        await deliver(stray)
    assert failed.value.event is stray and isinstance(failed.value.error, PermanentError)
    assert str(failed.value.error) == "shipping does not consume shipping.failed"
    assert shipments.rows[scheduled.order_id]["status"] == "SCHEDULED"


async def test_both_schema_versions_of_each_event_it_consumes_end_the_same(shipments, monkeypatch):
    """A rolling deploy: inventory writes version 1 or 2; shipping does the same with either."""
    earlier = reserved(3)  # scheduled in an earlier batch, then released
    a, b, c = reserved(2), reserved(51), reserved(4)
    batch = [a, b, released(earlier.order_id), released(c.order_id), c]
    assert {e.event_type for e in batch} == set(CONSUMERS["shipping"])

    seen = {}
    for version in SCHEMA_VERSIONS:
        repo = FakeShipments()
        monkeypatch.setattr(handlers, "repository", repo)
        await apply([as_version(earlier, version)])
        uow = await apply([as_version(e, version) for e in batch])
        assert {oid: r["status"] for oid, r in repo.rows.items()} == {
            a.order_id: "SCHEDULED",
            b.order_id: "FAILED",
            c.order_id: "CANCELLED",
            earlier.order_id: "CANCELLED",
        }
        seen[version] = observed(repo, uow.outbox)
    assert seen[1] == seen[2]
