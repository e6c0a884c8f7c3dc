"""Transfers and batch updates, pure: which lines of a batch are bad, what each line moves in the
ledger, and whether the stock can give what a transfer or a line takes (never below what is reserved
in that warehouse: reservations are promises to orders)."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from inventory.stock.domain import Stock, adjustment_refused

MAX_LINES = 1000  # lines of one batch: all locked and written in one transaction
COUNT_REASON = "cycle_count"  # the reason of every ledger row a count writes


@dataclass(frozen=True)
class Line:
    product_id: UUID
    quantity: int


@dataclass(frozen=True)
class LineProblem:
    """Why line `line` (its index in the request) refuses the batch."""

    line: int
    product_id: UUID
    message: str


@dataclass(frozen=True)
class Shortfall:
    """Units asked of a warehouse that are not there unreserved; `line` is None for a transfer."""

    product_id: UUID
    warehouse_id: str
    requested: int
    available: int
    line: int | None = None


@dataclass(frozen=True)
class Position:
    on_hand: int  # in the warehouse
    reserved: int  # in the warehouse
    product_available: int  # over every warehouse


@dataclass(frozen=True)
class LineMove:
    line: int
    product_id: UUID
    quantity: int  # as the line gave it
    moved: int  # the ledger row's signed quantity (0: no row)
    before: Position
    after: Position


_SIGN_RULES = {
    "receive": (lambda q: q > 0, "a receipt must be a positive quantity"),
    "count": (lambda q: q >= 0, "a count is the units on hand: 0 or more"),
    "adjust": (lambda q: q != 0, "an adjustment must be a non-zero quantity"),
}


def line_problems(kind: str, lines: Sequence[Line]) -> list[LineProblem]:
    """Lines that break the kind's rule for their quantity, and products named on an earlier line."""
    ok, message = _SIGN_RULES[kind]
    first: dict[UUID, int] = {}
    problems = []
    for i, line in enumerate(lines):
        if line.product_id in first:
            problems.append(
                LineProblem(i, line.product_id, f"the product is on line {first[line.product_id]} too")
            )
        first.setdefault(line.product_id, i)
        if not ok(line.quantity):
            problems.append(LineProblem(i, line.product_id, message))
    return problems


def _position(stock: Stock, warehouse_id: str, moved: int) -> Position:
    place = stock.places.get(warehouse_id)
    on_hand, reserved = (0, 0) if place is None else (place.on_hand, place.reserved)
    return Position(on_hand + moved, reserved, stock.available + moved)


def plan_batch(
    stock: dict[UUID, Stock], kind: str, warehouse_id: str, lines: Sequence[Line]
) -> tuple[list[LineMove], list[Shortfall]]:
    """Each line's move (a count moves the counted figure minus what is on hand), and the lines that
    would take the warehouse below what is reserved there (any of them refuses the batch). Every
    product must be in `stock`."""
    moves, short = [], []
    for i, line in enumerate(lines):
        s = stock[line.product_id]
        before = _position(s, warehouse_id, 0)
        moved = line.quantity - before.on_hand if kind == "count" else line.quantity
        refused = adjustment_refused(s, warehouse_id, moved)
        if refused is not None:
            short.append(Shortfall(line.product_id, warehouse_id, refused.requested, refused.available, i))
            continue
        moves.append(
            LineMove(i, line.product_id, line.quantity, moved, before, _position(s, warehouse_id, moved))
        )
    return moves, short


def transfer_refused(stock: Stock, from_warehouse: str, quantity: int) -> Shortfall | None:
    available = stock.available_in(from_warehouse)
    if available < quantity:
        return Shortfall(stock.product_id, from_warehouse, quantity, available)
    return None
