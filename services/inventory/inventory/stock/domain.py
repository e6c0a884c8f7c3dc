"""Inventory rules, pure: can an order's lines be reserved from the locked stock, and what does a stock
movement do to it (by the ledger's one table, events.ledger)?"""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from events.ledger import DELTAS


@dataclass(frozen=True)
class Stock:
    product_id: UUID
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def moved(stock: Stock, kind: str, quantity: int) -> Stock:
    """The stock after `quantity` units of a `kind` movement."""
    d_hand, d_res, _, _ = DELTAS[kind]
    return Stock(stock.product_id, stock.on_hand + quantity * d_hand, stock.reserved + quantity * d_res)


@dataclass(frozen=True)
class Shortage:
    product_id: UUID
    requested: int
    available: int


@dataclass(frozen=True)
class Reserve:
    quantities: dict[UUID, int]  # product_id -> units, in product_id order


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


def reserve(stock: dict[UUID, Stock], wanted: dict[UUID, int]) -> Reserve | Reject:
    unknown = [Shortage(p, q, 0) for p, q in wanted.items() if p not in stock]
    if unknown:
        return Reject("unknown_product", unknown)
    short = [Shortage(p, q, stock[p].available) for p, q in wanted.items() if stock[p].available < q]
    if short:
        return Reject("out_of_stock", short)
    return Reserve(wanted)


def adjustment_refused(stock: Stock, delta: int) -> Shortage | None:
    """Stock may be taken away only down to what is reserved: reservations are promises to orders."""
    if stock.on_hand + delta < stock.reserved:
        return Shortage(stock.product_id, -delta, stock.available)
    return None
