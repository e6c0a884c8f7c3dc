"""Batch updates: receive, count or adjust up to move_rules.MAX_LINES products in one warehouse, all or
nothing, in one transaction of a few statements whatever the size: every product locked at once (in
product_id order, as every stock writer locks), the missing stock rows added at once, and one ledger
row per changed line written by one move_stock call. Every row carries the batch's id in `reference`."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID, uuid4

from inventory.availability.projection import Projection
from inventory.stock import move_rules, repository, warehouses
from inventory.stock.admin import UnknownWarehouse
from inventory.stock.move_rules import COUNT_REASON, Line, LineMove, LineProblem, Shortfall
from inventory.stock.repository import Movement
from messaging.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class BatchDone:
    batch_id: UUID
    moves: list[LineMove]  # in the order of the lines


@dataclass(frozen=True)
class UnknownProducts:
    lines: list[LineProblem]


@dataclass(frozen=True)
class Short:
    lines: list[Shortfall]


async def apply_batch(
    uow: UnitOfWork,
    projection: Projection,
    kind: str,
    warehouse_id: str,
    reason: str | None,
    lines: Sequence[Line],
) -> BatchDone | UnknownWarehouse | UnknownProducts | Short:
    """The lines must have passed move_rules.line_problems (one line per product, quantities by kind)."""
    if not await warehouses.exists(uow.conn, warehouse_id):
        return UnknownWarehouse(warehouse_id)
    stock = await repository.lock_products(uow.conn, sorted(line.product_id for line in lines))
    unknown = [
        LineProblem(i, x.product_id, "no such product")
        for i, x in enumerate(lines)
        if x.product_id not in stock
    ]
    if unknown:
        return UnknownProducts(unknown)
    moves, short = move_rules.plan_batch(stock, kind, warehouse_id, lines)
    if short:
        return Short(short)
    batch_id = uuid4()
    changed = [m for m in moves if m.moved != 0]
    new_places = [
        (m.product_id, warehouse_id) for m in changed if warehouse_id not in stock[m.product_id].places
    ]
    if new_places:
        await repository.add_places(uow.conn, new_places)
    if changed:
        row_reason = COUNT_REASON if kind == "count" else reason
        snapshots = await repository.move_stock(
            uow.conn,
            [
                Movement(
                    m.product_id, warehouse_id, kind, m.moved, reason=row_reason, reference=str(batch_id)
                )
                for m in changed
            ],
        )
        projection.stock_changed(uow, snapshots)  # one cache write after the commit, for every product
    return BatchDone(batch_id, moves)
