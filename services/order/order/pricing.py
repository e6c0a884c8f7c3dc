"""Prices, pure: which price events are news, and which order lines do not carry the current price.

Inventory owns the prices; the order service keeps the latest it was told (inventory.price_changed,
applied only when its version is newer than what is kept, since events may arrive late or twice) and
refuses an order whose unit prices are not those. A product with no price here is refused too, once
the order service knows the catalogue (it has any price at all); before the first price arrives
(a fresh system) every product is unknown and orders are taken at the prices they name.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal
from uuid import UUID

from events import InventoryPriceChanged


@dataclass(frozen=True)
class Price:
    price: Decimal
    version: int
    event_id: UUID


def newer(kept: Mapping[UUID, int], events: Iterable[InventoryPriceChanged]) -> dict[UUID, Price]:
    """Per product, the newest price among `events` that is newer than the version `kept` (none: news)."""
    latest: dict[UUID, Price] = {}
    for e in events:
        p = e.payload
        best = latest.get(p.product_id)
        if p.version > kept.get(p.product_id, 0) and (best is None or p.version > best.version):
            latest[p.product_id] = Price(p.price, p.version, e.event_id)
    return latest


Reason = Literal["price_differs", "unknown_product"]


@dataclass(frozen=True)
class Mismatch:
    index: int  # the line's place in the body's items, from 0
    product_id: UUID
    sent: Decimal
    current: Decimal | None  # None: no price known for the product
    reason: Reason

    def detail(self) -> dict:
        """As the 422's details name the line."""
        message = (
            f"the current price is {self.current}"
            if self.current is not None
            else "the product has no price: it is unknown or not for sale"
        )
        return {
            "field": f"items.{self.index}.unit_price",
            "message": message,
            "type": self.reason,
            "index": self.index,
            "product_id": str(self.product_id),
            "sent": str(self.sent),
            "current": None if self.current is None else str(self.current),
        }


def mismatches(
    lines: Sequence[tuple[UUID, Decimal]], prices: Mapping[UUID, Decimal], catalogue_known: bool
) -> list[Mismatch]:
    """The lines (product, unit price) whose price is not the current one, in body order."""
    found = []
    for index, (product_id, sent) in enumerate(lines):
        current = prices.get(product_id)
        if current is None and catalogue_known:
            found.append(Mismatch(index, product_id, sent, None, "unknown_product"))
        elif current is not None and current != sent:
            found.append(Mismatch(index, product_id, sent, current, "price_differs"))
    return found
