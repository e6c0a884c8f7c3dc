"""The order service's copy of the prices: a price event applies once and only when newer (events may
arrive late or twice), and POST /orders' check names every line whose unit price is not the current one."""

from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from order import handlers, pricing
from order.pricing import Mismatch, Price
from tests.unit.fakes import FakeUnitOfWork
from tests.unit.samples import event_of, price_changed

A, B, C = UUID(int=1), UUID(int=2), UUID(int=3)


@dataclass
class FakePrices:
    """The price repository's calls the handler makes, over a dict: the table with its version rule."""

    rows: dict[UUID, Price] = field(default_factory=dict)
    locked: list[list[UUID]] = field(default_factory=list)

    async def lock_versions(self, conn, product_ids):
        self.locked.append(list(product_ids))
        return {p: self.rows[p].version for p in product_ids if p in self.rows}

    async def save(self, conn, prices):
        for product_id, price in prices.items():
            assert product_id not in self.rows or self.rows[product_id].version < price.version
            self.rows[product_id] = price


@pytest.fixture
def kept(monkeypatch) -> FakePrices:
    fake = FakePrices()
    monkeypatch.setattr(handlers, "prices", fake)
    return fake


def price_of(kept: FakePrices, product: UUID) -> tuple[str, int]:
    row = kept.rows[product]
    return str(row.price), row.version


async def test_a_price_event_is_kept(kept):
    await handlers.apply_events([price_changed("49.90", 3, A)], FakeUnitOfWork())
    assert price_of(kept, A) == ("49.90", 3)


async def test_the_same_event_twice_changes_nothing_more(kept):
    event = price_changed("49.90", 3, A)
    await handlers.apply_events([event], FakeUnitOfWork())
    await handlers.apply_events([event], FakeUnitOfWork())
    assert price_of(kept, A) == ("49.90", 3) and kept.rows[A].event_id == event.event_id


async def test_an_older_version_arriving_late_never_brings_an_old_price_back(kept):
    await handlers.apply_events([price_changed("59.90", 7, A)], FakeUnitOfWork())
    await handlers.apply_events([price_changed("49.90", 5, A)], FakeUnitOfWork())
    await handlers.apply_events([price_changed("39.90", 7, A)], FakeUnitOfWork())  # not newer either
    assert price_of(kept, A) == ("59.90", 7)


async def test_in_one_batch_the_newest_version_wins_whatever_the_arrival_order(kept):
    batch = [price_changed("59.90", 9, A), price_changed("49.90", 4, A), price_changed("5.00", 2, B)]
    await handlers.apply_events(batch, FakeUnitOfWork())
    assert price_of(kept, A) == ("59.90", 9) and price_of(kept, B) == ("5.00", 2)
    assert kept.locked == [[A, B]]  # one lock statement, product id order


async def test_a_batch_of_saga_and_price_events_goes_to_both(kept, monkeypatch):
    """The saga's events go to record_events (orders locked first), the price events after them."""
    seen: list[str] = []

    async def record_events(events, uow):
        seen.extend(e.event_type for e in events)

    monkeypatch.setattr(handlers, "record_events", record_events)
    oid = uuid4()
    await handlers.apply_events(
        [price_changed("49.90", 3, A), event_of("payment.approved", oid)], FakeUnitOfWork()
    )
    assert seen == ["payment.approved"] and price_of(kept, A) == ("49.90", 3)


def test_newer_keeps_only_news():
    events = [price_changed("1.00", 2, A), price_changed("2.00", 5, B), price_changed("3.00", 6, B)]
    news = pricing.newer({A: 2, B: 1}, events)
    assert {p: (str(x.price), x.version) for p, x in news.items()} == {B: ("3.00", 6)}


PRICES = {A: Decimal("49.90"), B: Decimal("19.99")}


def test_lines_at_the_current_prices_pass():
    assert pricing.mismatches([(A, Decimal("49.90")), (B, Decimal("19.99"))], PRICES, True) == []


def test_a_price_that_differs_is_named_with_both_prices():
    assert pricing.mismatches([(A, Decimal("1.00"))], PRICES, True) == [
        Mismatch(0, A, Decimal("1.00"), Decimal("49.90"), "price_differs")
    ]


def test_every_bad_line_is_named_in_body_order():
    lines = [(B, Decimal("19.99")), (C, Decimal("5.00")), (A, Decimal("49.00"))]
    found = pricing.mismatches(lines, PRICES, True)
    assert [(m.index, m.product_id, m.reason) for m in found] == [
        (1, C, "unknown_product"),
        (2, A, "price_differs"),
    ]
    assert found[0].detail() == {
        "field": "items.1.unit_price",
        "message": "the product has no price: it is unknown or not for sale",
        "type": "unknown_product",
        "index": 1,
        "product_id": str(C),
        "sent": "5.00",
        "current": None,
    }
    assert found[1].detail()["current"] == "49.90" and found[1].detail()["sent"] == "49.00"


def test_before_the_catalogue_is_known_an_unpriced_product_passes():
    """No price at all yet (a fresh system, before the first inventory.price_changed): nothing to check
    an unknown product against; a product that has a price is still checked."""
    assert pricing.mismatches([(C, Decimal("5.00"))], {}, False) == []
    assert pricing.mismatches([(C, Decimal("5.00"))], {}, True) != []
