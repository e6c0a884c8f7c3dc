"""Transfers: units of a product moved from one warehouse to another in one transaction, two ledger
rows (transfer_out, transfer_in) that carry the transfer's id in `reference`; the product's totals do
not move. The product row is locked first, as by every stock writer, so crossed transfers of one
product queue up on it and never deadlock."""

from dataclasses import dataclass
from uuid import UUID, uuid4

from inventory.availability.projection import Projection
from inventory.stock import move_rules, repository, warehouses
from inventory.stock.admin import UnknownProduct, UnknownWarehouse
from inventory.stock.repository import Movement, Snapshot
from messaging.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Transferred:
    transfer_id: UUID
    product_id: UUID
    from_warehouse: str
    to_warehouse: str
    quantity: int
    reason: str | None
    snapshot: Snapshot  # the product's stock after it


async def transfer(
    uow: UnitOfWork,
    projection: Projection,
    product_id: UUID,
    from_warehouse: str,
    to_warehouse: str,
    quantity: int,
    reason: str | None,
) -> Transferred | UnknownProduct | UnknownWarehouse | move_rules.Shortfall:
    """Move `quantity` units, never more than is unreserved in `from_warehouse`; the product gets a
    stock row in `to_warehouse` if it had none."""
    unknown = await warehouses.missing(uow.conn, [from_warehouse, to_warehouse])
    if unknown:
        return UnknownWarehouse(unknown[0])
    stock = (await repository.lock_products(uow.conn, [product_id])).get(product_id)
    if stock is None:
        return UnknownProduct(product_id)
    if (short := move_rules.transfer_refused(stock, from_warehouse, quantity)) is not None:
        return short
    if to_warehouse not in stock.places:
        await repository.add_places(uow.conn, [(product_id, to_warehouse)])
    transfer_id = uuid4()
    ref = str(transfer_id)
    snapshots = await repository.move_stock(
        uow.conn,
        [
            Movement(product_id, from_warehouse, "transfer_out", quantity, reason=reason, reference=ref),
            Movement(product_id, to_warehouse, "transfer_in", quantity, reason=reason, reference=ref),
        ],
    )
    projection.stock_changed(uow, snapshots)
    return Transferred(transfer_id, product_id, from_warehouse, to_warehouse, quantity, reason, snapshots[0])
