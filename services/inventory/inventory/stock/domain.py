"""Inventory rules, pure: can an order's lines be reserved from the locked stock, from which warehouses
(allocation), and what does a stock movement do to it (by the ledger's one table, events.ledger)?"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from uuid import UUID

from events.ledger import DELTAS


@dataclass(frozen=True)
class Place:
    """A product's stock in one warehouse."""

    warehouse_id: str
    priority: int  # the warehouse's: allocation prefers the lowest, then the id
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class Stock:
    product_id: UUID
    places: dict[str, Place]  # warehouse_id -> its stock; every product is stocked in one at least

    @property
    def on_hand(self) -> int:
        return sum(p.on_hand for p in self.places.values())

    @property
    def reserved(self) -> int:
        return sum(p.reserved for p in self.places.values())

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    def available_in(self, warehouse_id: str) -> int:
        place = self.places.get(warehouse_id)
        return 0 if place is None else place.available


@dataclass(frozen=True)
class Pick:
    """Units of a product taken from one warehouse: a line of a reservation's allocation."""

    product_id: UUID
    warehouse_id: str
    quantity: int


def moved(stock: Stock, kind: str, quantity: int, warehouse_id: str) -> Stock:
    """The stock after `quantity` units of a `kind` movement in `warehouse_id`."""
    d_hand, d_res, _, _ = DELTAS[kind]
    p = stock.places[warehouse_id]
    place = replace(p, on_hand=p.on_hand + quantity * d_hand, reserved=p.reserved + quantity * d_res)
    return replace(stock, places={**stock.places, warehouse_id: place})


@dataclass(frozen=True)
class Shortage:
    product_id: UUID
    requested: int
    available: int


@dataclass(frozen=True)
class Reserve:
    quantities: dict[UUID, int]  # product_id -> units, in product_id order
    picks: tuple[Pick, ...]  # where they come from: product_id order, then the warehouses' order


@dataclass(frozen=True)
class Reject:
    reason: str  # out_of_stock | unknown_product
    shortages: list[Shortage]


def quantities(lines: Iterable[tuple[UUID, int]]) -> dict[UUID, int]:
    """Units per product, summed (an order may name a product twice), in product_id order."""
    total: dict[UUID, int] = {}
    for product_id, quantity in lines:
        total[product_id] = total.get(product_id, 0) + quantity
    return dict(sorted(total.items()))


def _preference(place: Place) -> tuple[int, str]:
    return place.priority, place.warehouse_id


def allocate(stock: dict[UUID, Stock], wanted: dict[UUID, int]) -> tuple[Pick, ...]:
    """Where `wanted` (which the stock can serve) comes from: the first warehouse, by priority then id,
    that can serve every line on its own; if none can, each line filled from the warehouses in that
    order. Deterministic: the same stock and lines always give the same picks."""
    places = sorted(
        {p.warehouse_id: p for s in stock.values() for p in s.places.values()}.values(), key=_preference
    )
    for place in places:
        w = place.warehouse_id
        if all(stock[p].available_in(w) >= q for p, q in wanted.items()):
            return tuple(Pick(p, w, q) for p, q in wanted.items())
    picks = []
    for product_id, quantity in wanted.items():
        for place in sorted(stock[product_id].places.values(), key=_preference):
            take = min(quantity, place.available)
            if take > 0:
                picks.append(Pick(product_id, place.warehouse_id, take))
                quantity -= take
            if quantity == 0:
                break
    return tuple(picks)


def reserve(stock: dict[UUID, Stock], wanted: dict[UUID, int]) -> Reserve | Reject:
    unknown = [Shortage(p, q, 0) for p, q in wanted.items() if p not in stock]
    if unknown:
        return Reject("unknown_product", unknown)
    short = [Shortage(p, q, stock[p].available) for p, q in wanted.items() if stock[p].available < q]
    if short:
        return Reject("out_of_stock", short)
    return Reserve(wanted, allocate(stock, wanted))


def adjustment_refused(stock: Stock, warehouse_id: str, delta: int) -> Shortage | None:
    """Stock may be taken away only down to what is reserved there: reservations are promises to orders."""
    place = stock.places.get(warehouse_id)
    on_hand, reserved = (0, 0) if place is None else (place.on_hand, place.reserved)
    if on_hand + delta < reserved:
        return Shortage(stock.product_id, -delta, on_hand - reserved)
    return None
