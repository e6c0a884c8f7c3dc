"""Shipping's handler with an in-memory repository: schedule or refuse, never ship a reservation that
was released first, cancel a scheduled shipment whose stock went back; a batch of events ends exactly
where the same events one at a time would, in a fixed number of repository calls."""

from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from events import CONSUMERS, SCHEMA_VERSIONS, InventoryReserved, Line, ShippingFailed, ShippingScheduled
from events.catalog import Allocation
from messaging.batch import EventFailed
from messaging.errors import PermanentError
from shipping import domain, handlers, repository
from shipping.settings import ShippingSettings
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.samples import as_version, event_of

SETTINGS = ShippingSettings(shipping_max_units=50)
STATUS = {domain.Parcel: "SCHEDULED", domain.Refused: "FAILED", domain.Tombstone: "CANCELLED"}


@dataclass
class FakeShipments:
    """The shipment repository's calls over a dict (each call counted), with the table's constraints: one
    row per (order, warehouse) and per (order, shipment_no)."""

    rows: dict[UUID, list[dict]] = field(default_factory=dict)  # order_id -> its shipments, by shipment_no
    calls: int = 0
    NewShipment = repository.NewShipment

    async def lock(self, conn, order_ids):
        self.calls += 1
        return {oid: self.rows[oid][0]["status"] for oid in sorted(set(order_ids)) if oid in self.rows}

    async def insert_many(self, conn, shipments):
        self.calls += 1
        for s in shipments:
            rows = self.rows.setdefault(s.order_id, [])
            warehouse = s.outcome.warehouse_id if isinstance(s.outcome, domain.Parcel) else None
            assert s.shipment_no == len(rows) + 1, "a second decision for one order"
            assert warehouse is None or warehouse not in [r["warehouse_id"] for r in rows]
            rows.append(
                {
                    "shipment_id": s.shipment_id,
                    "reservation_id": s.reservation_id,
                    "warehouse_id": warehouse,
                    "status": STATUS[type(s.outcome)],
                    "outcome": s.outcome,
                    "reason": None if isinstance(s.outcome, domain.Parcel) else s.outcome.reason,
                }
            )

    async def cancel_many(self, conn, reasons):
        self.calls += 1
        for oid, reason in reasons.items():
            for row in self.rows[oid]:
                if row["status"] == "SCHEDULED":
                    row.update(status="CANCELLED", reason=reason)

    def of(self, order_id: UUID) -> dict:
        """An order's only row (one warehouse, a refusal or a tombstone)."""
        [row] = self.rows[order_id]
        return row


@pytest.fixture
def shipments(monkeypatch) -> FakeShipments:
    fake = FakeShipments()
    monkeypatch.setattr(handlers, "repository", fake)
    return fake


def reserved(units: int, order_id: UUID | None = None):
    event = event_of("inventory.reserved", order_id)
    line = event.payload.items[0].model_copy(update={"quantity": units})
    return event.model_copy(update={"payload": event.payload.model_copy(update={"items": [line]})})


def allocated(picks: list[tuple[str, UUID, int]], order_id: UUID | None = None):
    """A version-2 inventory.reserved whose items are served by (warehouse, product, quantity) picks."""
    event = event_of("inventory.reserved", order_id)
    lines: dict[UUID, int] = {}
    for _, product_id, quantity in picks:
        lines[product_id] = lines.get(product_id, 0) + quantity
    payload = event.payload.model_copy(
        update={
            "items": [Line(product_id=p, quantity=q) for p, q in lines.items()],
            "allocations": [Allocation(product_id=p, warehouse_id=w, quantity=q) for w, p, q in picks],
        }
    )
    return InventoryReserved.model_validate({**event.model_dump(), "payload": payload.model_dump()})


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
    row = shipments.of(event.order_id)
    assert row["status"] == "SCHEDULED" and row["reservation_id"] == event.payload.reservation_id
    assert row["shipment_id"] == scheduled.payload.shipment_id
    assert row["outcome"].tracking_code == scheduled.payload.tracking_code
    assert row["warehouse_id"] == domain.MAIN_WAREHOUSE  # no allocations: all from the main warehouse
    [shipment] = scheduled.payload.shipments
    assert (shipment.shipment_id, shipment.tracking_code) == (
        row["shipment_id"],
        row["outcome"].tracking_code,
    )
    assert (shipment.warehouse_id, shipment.freight_cost) == (domain.MAIN_WAREHOUSE, Decimal("13.00"))


async def test_a_version_1_reservation_ships_once_from_the_main_warehouse(shipments):
    event = reserved(3).model_copy(update={"schema_version": 1})
    [scheduled] = (await deliver(event)).outbox
    [shipment] = scheduled.payload.shipments
    assert shipment.warehouse_id == domain.MAIN_WAREHOUSE and shipment.freight_cost == Decimal("14.50")
    assert shipments.of(event.order_id)["outcome"].units == 3


P1, P2, P3 = UUID(int=1), UUID(int=2), UUID(int=3)


async def test_one_shipment_per_warehouse_each_with_its_code_and_freight_in_allocation_order(shipments):
    event = allocated([("west", P1, 2), ("east", P2, 3), ("west", P3, 1), ("east", P1, 4)])
    [scheduled] = (await deliver(event)).outbox
    west, east = scheduled.payload.shipments
    assert (west.warehouse_id, west.freight_cost) == ("west", Decimal("14.50"))  # 3 units
    assert (east.warehouse_id, east.freight_cost) == ("east", Decimal("20.50"))  # 7 units
    assert west.tracking_code != east.tracking_code and west.shipment_id != east.shipment_id
    # version 1's fields: the first shipment, the whole freight, the last delivery
    assert (scheduled.payload.shipment_id, scheduled.payload.tracking_code) == (
        west.shipment_id,
        west.tracking_code,
    )
    assert scheduled.payload.freight_cost == Decimal("35.00")
    assert scheduled.payload.estimated_delivery == max(west.estimated_delivery, east.estimated_delivery)
    rows = shipments.rows[event.order_id]
    assert [(r["warehouse_id"], r["outcome"].units, r["status"]) for r in rows] == [
        ("west", 3, "SCHEDULED"),
        ("east", 7, "SCHEDULED"),
    ]
    assert [r["shipment_id"] for r in rows] == [west.shipment_id, east.shipment_id]
    assert all(r["reservation_id"] == event.payload.reservation_id for r in rows)


async def test_the_carrier_limit_is_on_the_order_s_units_across_warehouses(shipments):
    event = allocated([("west", P1, 30), ("east", P2, 21)])  # each under 50, 51 in all
    [failed] = (await deliver(event)).outbox
    assert isinstance(failed, ShippingFailed) and "51 units" in failed.payload.reason
    assert shipments.of(event.order_id)["status"] == "FAILED"
    assert shipments.of(event.order_id)["warehouse_id"] is None  # the order's outcome, not a parcel's


async def test_a_release_cancels_every_shipment_of_the_order(shipments):
    event = allocated([("west", P1, 2), ("east", P2, 1)])
    await deliver(event)
    await deliver(released(event.order_id))
    assert [r["status"] for r in shipments.rows[event.order_id]] == ["CANCELLED", "CANCELLED"]
    assert all("expired" in r["reason"] for r in shipments.rows[event.order_id])


@pytest.mark.parametrize(
    "picks, why",
    [
        ([("west", P1, 2), ("east", P2, 1)], f"{P1} reserved 3, allocated 2"),  # one unit of P1 unallocated
        ([("west", P1, 3), ("east", P2, 1), ("east", P3, 1)], f"{P3} reserved 0, allocated 1"),
    ],
)
async def test_allocations_that_do_not_serve_the_items_are_a_permanent_error(shipments, picks, why):
    good = allocated([("west", P1, 3), ("east", P2, 1)])
    bad = allocated(picks, good.order_id)
    event = bad.model_copy(update={"payload": bad.payload.model_copy(update={"items": good.payload.items})})
    with pytest.raises(EventFailed) as failed:
        await deliver(event)
    assert failed.value.event is event and isinstance(failed.value.error, PermanentError)
    assert why in str(failed.value.error)
    assert shipments.rows == {}


async def test_too_many_units_fail_the_shipment(shipments):
    event = reserved(51)
    uow = await deliver(event)
    [failed] = uow.outbox
    assert isinstance(failed, ShippingFailed) and "51 units" in failed.payload.reason
    assert shipments.of(event.order_id)["status"] == "FAILED"
    assert shipments.of(event.order_id)["reason"] == failed.payload.reason


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
    assert shipments.of(event.order_id)["status"] == "CANCELLED"


async def test_a_release_after_scheduling_cancels_the_shipment(shipments):
    event = reserved(2)
    await deliver(event)
    uow = await deliver(released(event.order_id))
    assert uow.outbox == []
    assert shipments.of(event.order_id)["status"] == "CANCELLED"
    assert "expired" in shipments.of(event.order_id)["reason"]


def observed(shipments: FakeShipments, outbox: list) -> tuple:
    """What a run left behind, without the ids and tracking codes it drew at random; one order's events
    keep their order."""
    rows = {
        oid: (
            r["status"],
            r["reason"],
            r["reservation_id"],
            r["warehouse_id"],
            r["outcome"].units if isinstance(r["outcome"], domain.Parcel) else None,
        )
        for oid, rs in shipments.rows.items()
        for r in rs
    }
    events = [
        (
            e.event_type,
            e.order_id,
            e.causation_id,
            e.payload.model_dump(
                exclude={
                    "shipment_id": True,
                    "tracking_code": True,
                    "shipments": {"__all__": {"shipment_id", "tracking_code"}},
                }
            ),
        )
        for e in sorted(outbox, key=lambda e: e.order_id)  # stable: per order, the order they were emitted in
    ]
    return rows, events


async def test_a_batch_ends_where_the_same_events_one_at_a_time_end(shipments, monkeypatch):
    earlier = [reserved(3) for _ in range(2)]  # scheduled in an earlier batch
    a, b, c, d = reserved(2), reserved(51), reserved(4), reserved(5)
    e = allocated([("west", P1, 2), ("east", P2, 1), ("west", P2, 1)])  # two warehouses
    batch = [
        a,
        e,
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
    assert {oid: r[0]["status"] for oid, r in shipments.rows.items()} == {
        a.order_id: "SCHEDULED",
        b.order_id: "FAILED",
        c.order_id: "CANCELLED",
        d.order_id: "CANCELLED",
        e.order_id: "SCHEDULED",
        earlier[0].order_id: "CANCELLED",
        earlier[1].order_id: "CANCELLED",
    }
    assert shipments.of(c.order_id)["outcome"] == domain.Tombstone("reservation released: expired")
    assert {e.order_id: e.event_type for e in uow.outbox} == {
        a.order_id: "shipping.scheduled",
        b.order_id: "shipping.failed",
        d.order_id: "shipping.scheduled",
        e.order_id: "shipping.scheduled",
    }
    assert len(uow.outbox) == 4
    assert [(r["warehouse_id"], r["outcome"].units) for r in shipments.rows[e.order_id]] == [
        ("west", 3),
        ("east", 1),
    ]


@pytest.mark.parametrize("size", [1, 10, 50])
async def test_a_batch_costs_three_statements_whatever_its_size(shipments, size):
    scheduled = [reserved(2) for _ in range(size)]
    await apply(scheduled)
    shipments.calls = 0

    fresh = (
        [reserved(2) for _ in range(size)]
        + [reserved(60) for _ in range(size)]
        + [allocated([("west", P1, 1), ("east", P2, 1), ("north", P1, 1)]) for _ in range(size)]
    )
    uow = await apply(
        fresh + [released(uuid4()) for _ in range(size)] + [released(s.order_id) for s in scheduled]
    )

    assert shipments.calls == 3  # lock, insert the new shipments and tombstones, cancel
    assert len(uow.outbox) == 3 * size and len(shipments.rows) == 5 * size
    assert sum(len(rows) for rows in shipments.rows.values()) == 7 * size
    assert all(shipments.of(s.order_id)["status"] == "CANCELLED" for s in scheduled)


async def test_an_event_shipping_does_not_consume_is_a_permanent_error_not_a_release(shipments):
    scheduled = reserved(2)
    await deliver(scheduled)
    stray = event_of("shipping.failed", scheduled.order_id)  # a reason too, like inventory.released
    with pytest.raises(EventFailed) as failed:
        await deliver(stray)
    assert failed.value.event is stray and isinstance(failed.value.error, PermanentError)
    assert str(failed.value.error) == "shipping does not consume shipping.failed"
    assert shipments.of(scheduled.order_id)["status"] == "SCHEDULED"


async def test_every_schema_version_of_each_event_it_consumes_ends_the_same(shipments, monkeypatch):
    """A rolling deploy: inventory writes version 1, 2 or 3; shipping does the same with each."""
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
        assert {oid: repo.of(oid)["status"] for oid in repo.rows} == {
            a.order_id: "SCHEDULED",
            b.order_id: "FAILED",
            c.order_id: "CANCELLED",
            earlier.order_id: "CANCELLED",
        }
        seen[version] = observed(repo, uow.outbox)
    assert [seen[v] for v in SCHEMA_VERSIONS] == [seen[1]] * len(SCHEMA_VERSIONS)
