"""Shipping rules, pure: the carrier's limit, one shipment per warehouse, freight, tracking codes and
delivery estimates."""

import secrets
import string
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

BASE_FREIGHT = Decimal("10.00")
FREIGHT_PER_UNIT = Decimal("1.50")
TRACKING_ALPHABET = string.ascii_uppercase + string.digits
# where a reservation that names no warehouse (a version-1 inventory.reserved) is served from
MAIN_WAREHOUSE = "main"


@dataclass(frozen=True)
class Parcel:
    """One warehouse's shipment of an order."""

    warehouse_id: str
    units: int
    freight_cost: Decimal
    tracking_code: str
    estimated_delivery: date


@dataclass(frozen=True)
class Scheduled:
    parcels: tuple[Parcel, ...]  # in the order the warehouses first appear in the allocations

    @property
    def freight_cost(self) -> Decimal:
        """The order's whole freight: what version 1 of shipping.scheduled says."""
        return sum((p.freight_cost for p in self.parcels), Decimal("0.00"))

    @property
    def estimated_delivery(self) -> date:
        """When the order's last parcel arrives: what version 1 of shipping.scheduled says."""
        return max(p.estimated_delivery for p in self.parcels)


@dataclass(frozen=True)
class Refused:
    reason: str


@dataclass(frozen=True)
class Tombstone:
    """The reservation was released before we scheduled: a late inventory.reserved must never ship."""

    reason: str


def freight(units: int) -> Decimal:
    return BASE_FREIGHT + FREIGHT_PER_UNIT * units


def tracking_code(choice: Callable[[str], str] = secrets.choice) -> str:
    return "TRK-" + "".join(choice(TRACKING_ALPHABET) for _ in range(8))


def delivery_days(order_id: UUID, warehouse_id: str = MAIN_WAREHOUSE) -> int:
    """3 to 7 days, derived from the order id and the warehouse (crc32: stable across processes, unlike
    hash()), so the same parcel always gets the same estimate."""
    return 3 + (order_id.int + zlib.crc32(warehouse_id.encode())) % 5


def units_by_warehouse(allocations: Iterable[tuple[str, UUID, int]] | None, units: int) -> dict[str, int]:
    """Each warehouse's units, in the order the warehouses first appear in (warehouse, product, quantity)
    allocations; without allocations, all `units` from the main warehouse."""
    if allocations is None:
        return {MAIN_WAREHOUSE: units}
    by_warehouse: dict[str, int] = {}
    for warehouse_id, _, quantity in allocations:
        by_warehouse[warehouse_id] = by_warehouse.get(warehouse_id, 0) + quantity
    return by_warehouse


def unallocated(
    lines: Iterable[tuple[UUID, int]], allocations: Iterable[tuple[str, UUID, int]]
) -> str | None:
    """Why the allocations do not serve exactly the reserved lines, per product; None when they do."""
    wanted, allocated = Counter[UUID](), Counter[UUID]()
    for product_id, quantity in lines:
        wanted[product_id] += quantity
    for _, product_id, quantity in allocations:
        allocated[product_id] += quantity
    if wanted == allocated:
        return None
    wrong = sorted(wanted.keys() | allocated.keys(), key=str)
    return "allocations do not match the items: " + ", ".join(
        f"{p} reserved {wanted[p]}, allocated {allocated[p]}" for p in wrong if wanted[p] != allocated[p]
    )


def plan(
    order_id: UUID,
    warehouses: dict[str, int],
    max_units: int,
    today: date,
    code: Callable[[], str] = tracking_code,
) -> Scheduled | Refused:
    """One parcel per warehouse, each with its own tracking code and freight; the carrier's limit is on
    the order's units in all."""
    units = sum(warehouses.values())
    if units > max_units:
        return Refused(f"carrier refused: {units} units exceed the limit of {max_units}")
    return Scheduled(
        tuple(
            Parcel(w, n, freight(n), code(), today + timedelta(days=delivery_days(order_id, w)))
            for w, n in warehouses.items()
        )
    )
