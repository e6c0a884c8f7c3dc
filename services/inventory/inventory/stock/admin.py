"""Stock administration: create or set a product's stock, receive stock, adjust it with a reason.

Each is one transaction: the product row is locked, the change is written to the movements ledger
with it, and the cache is told after the commit.
"""

from dataclasses import dataclass
from uuid import UUID

from inventory.availability.projection import Projection
from inventory.stock import domain, queries, repository
from inventory.stock.repository import Movement, Snapshot
from messaging.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Done:
    snapshot: Snapshot
    created: bool = False


@dataclass(frozen=True)
class UnknownProduct:
    product_id: UUID


async def set_stock(
    uow: UnitOfWork, projection: Projection, product_id: UUID, name: str, quantity: int
) -> Done | domain.Shortage:
    """PUT: create the product with `quantity` units, or set an existing product's stock to it."""
    created = await repository.insert_product(uow.conn, product_id, name, quantity)
    if created is not None:
        projection.stock_changed(uow, [created])
        return Done(created, created=True)
    stock = (await repository.lock_products(uow.conn, [product_id]))[product_id]
    await repository.rename_product(uow.conn, product_id, name)
    return await _adjust(uow, projection, stock, quantity - stock.on_hand, f"stock set to {quantity}")


async def change_stock(
    uow: UnitOfWork, projection: Projection, product_id: UUID, kind: str, quantity: int, reason: str | None
) -> Done | domain.Shortage | UnknownProduct:
    """POST .../stock: receive (quantity > 0) or adjust (signed quantity, with a reason)."""
    stock = (await repository.lock_products(uow.conn, [product_id])).get(product_id)
    if stock is None:
        return UnknownProduct(product_id)
    if kind == "receive":
        snapshots = await repository.move_stock(
            uow.conn, [Movement(product_id, "receive", quantity, reason=reason)]
        )
        projection.stock_changed(uow, snapshots)
        return Done(snapshots[0])
    return await _adjust(uow, projection, stock, quantity, reason)


async def _adjust(
    uow: UnitOfWork, projection: Projection, stock: domain.Stock, delta: int, reason: str | None
) -> Done | domain.Shortage:
    refused = domain.adjustment_refused(stock, delta)
    if refused is not None:
        return refused
    if delta == 0:  # nothing moves, nothing goes to the ledger
        return Done((await queries.snapshots(uow.conn, [stock.product_id]))[stock.product_id])
    snapshots = await repository.move_stock(
        uow.conn, [Movement(stock.product_id, "adjust", delta, reason=reason)]
    )
    projection.stock_changed(uow, snapshots)
    return Done(snapshots[0])
