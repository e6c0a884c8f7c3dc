"""Stock administration: create or set a product's stock (in a warehouse) and its price, receive stock,
adjust it with a reason.

Each is one transaction: the product row is locked, the change is written to the movements ledger
with it, and the cache is told after the commit. A request that names no warehouse means the default
one (`main`), as before warehouses existed.
"""

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from events import InventoryPriceChanged
from events.catalog import InventoryPriceChangedPayload
from inventory.availability.projection import Projection
from inventory.stock import domain, queries, repository, warehouses
from inventory.stock.repository import DEFAULT_WAREHOUSE, Movement, Snapshot
from messaging.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Done:
    snapshot: Snapshot
    created: bool = False


@dataclass(frozen=True)
class UnknownProduct:
    product_id: UUID


@dataclass(frozen=True)
class UnknownWarehouse:
    warehouse_id: str


Refused = domain.Shortage | UnknownProduct | UnknownWarehouse


async def set_stock(
    uow: UnitOfWork,
    projection: Projection,
    product_id: UUID,
    name: str,
    quantity: int,
    warehouse_id: str = DEFAULT_WAREHOUSE,
    price: Decimal | None = None,
) -> Done | Refused:
    """PUT /inventory/{id}: create the product with `quantity` units in the warehouse, or set an
    existing product's stock there to it (and its name); and its price, if one is given. A price that
    changes goes out as inventory.price_changed with the change (no event when it was that already)."""
    if not await warehouses.exists(uow.conn, warehouse_id):
        return UnknownWarehouse(warehouse_id)
    created = await repository.insert_product(uow.conn, product_id, name, warehouse_id, quantity, price)
    if created is not None:
        if price is not None:
            uow.outbox.append(price_changed(product_id, price, created.version))
        projection.stock_changed(uow, [created])
        return Done(created, created=True)
    await repository.rename_product(uow.conn, product_id, name)
    if price is not None and (version := await repository.set_price(uow.conn, product_id, price)) is not None:
        uow.outbox.append(price_changed(product_id, price, version))
    return await set_in_warehouse(uow, projection, product_id, warehouse_id, quantity)


def price_changed(product_id: UUID, price: Decimal, version: int) -> InventoryPriceChanged:
    """The event of a price change; it belongs to no order."""
    payload = InventoryPriceChangedPayload(product_id=product_id, price=price, version=version)
    return InventoryPriceChanged.new(None, payload)


async def set_in_warehouse(
    uow: UnitOfWork, projection: Projection, product_id: UUID, warehouse_id: str, quantity: int
) -> Done | Refused:
    """PUT /inventory/{id}/warehouses/{w}: the product's stock there becomes `quantity` (an adjustment)."""
    stock = await _locked(uow, product_id, warehouse_id)
    if not isinstance(stock, domain.Stock):
        return stock
    place = stock.places.get(warehouse_id)  # none yet: its row was just added, empty
    on_hand = 0 if place is None else place.on_hand
    return await _move(
        uow, projection, stock, warehouse_id, "adjust", quantity - on_hand, f"stock set to {quantity}"
    )


async def change_stock(
    uow: UnitOfWork,
    projection: Projection,
    product_id: UUID,
    kind: str,
    quantity: int,
    reason: str | None,
    warehouse_id: str = DEFAULT_WAREHOUSE,
) -> Done | Refused:
    """POST .../stock: receive (quantity > 0) or adjust (signed quantity, with a reason)."""
    stock = await _locked(uow, product_id, warehouse_id)
    if not isinstance(stock, domain.Stock):
        return stock
    return await _move(uow, projection, stock, warehouse_id, kind, quantity, reason)


async def _locked(
    uow: UnitOfWork, product_id: UUID, warehouse_id: str
) -> domain.Stock | UnknownProduct | UnknownWarehouse:
    """The product locked, with a (new, empty) stock row in the warehouse if it had none; the stock is
    as locked (a new row holds nothing, and the rules read a missing place as empty)."""
    stock = (await repository.lock_products(uow.conn, [product_id])).get(product_id)
    if stock is None:
        return UnknownProduct(product_id)
    if warehouse_id in stock.places:
        return stock
    if not await warehouses.exists(uow.conn, warehouse_id):
        return UnknownWarehouse(warehouse_id)
    await repository.add_places(uow.conn, [(product_id, warehouse_id)])
    return stock


async def _move(
    uow: UnitOfWork,
    projection: Projection,
    stock: domain.Stock,
    warehouse_id: str,
    kind: str,
    delta: int,
    reason: str | None,
) -> Done | domain.Shortage:
    if kind != "receive" and (refused := domain.adjustment_refused(stock, warehouse_id, delta)) is not None:
        return refused
    if delta == 0:  # nothing moves, nothing goes to the ledger (a new, empty warehouse row may show)
        snapshot = (await queries.snapshots(uow.conn, [stock.product_id]))[stock.product_id]
        projection.stock_changed(uow, [snapshot])
        return Done(snapshot)
    snapshots = await repository.move_stock(
        uow.conn, [Movement(stock.product_id, warehouse_id, kind, delta, reason=reason)]
    )
    projection.stock_changed(uow, snapshots)
    return Done(snapshots[0])
