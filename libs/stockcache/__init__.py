"""Inventory's availability cache as Redis holds it: one key per product,
"version:on_hand:reserved|main:on_hand:reserved|east:on_hand:reserved|$49.90" (the totals, then each
warehouse in id order, then the price after a `$`, empty when the product has none; a warehouse id is a
slug, so it holds neither `|` nor `:` nor `$`).

Layouts from before are read as misses (refilled from PostgreSQL, and overwritten whatever their
version): the one before warehouses (no `|`) and the one before prices (no `$` part). The version still
leads the value, so a writer of the layout before prices orders its writes against these entries too.

Inventory writes it and the checker reads it to compare with PostgreSQL, so its layout is defined once,
here, below both (the checker must not import a service).
"""

from decimal import Decimal, InvalidOperation
from typing import NamedTuple
from uuid import UUID

import redis.asyncio as redis

DEFAULT_PREFIX = "inventory:"  # REDIS_KEY_PREFIX's default, for inventory and the checker alike
PRICE_MARK = "$"  # opens the last part, the price


class WarehouseEntry(NamedTuple):
    warehouse_id: str
    on_hand: int
    reserved: int


class Entry(NamedTuple):
    version: int
    on_hand: int
    reserved: int
    warehouses: tuple[WarehouseEntry, ...]  # in warehouse id order; a product is stocked in one at least
    price: Decimal | None  # None: not for sale until priced


def stock_key(prefix: str, product_id: UUID) -> str:
    return f"{prefix}stock:{product_id}"


def encode(entry: Entry) -> str:
    parts = [f"{entry.version}:{entry.on_hand}:{entry.reserved}"]
    parts.extend(f"{w.warehouse_id}:{w.on_hand}:{w.reserved}" for w in entry.warehouses)
    parts.append(PRICE_MARK + ("" if entry.price is None else str(entry.price)))
    return "|".join(parts)


def decode(raw: str | None) -> Entry | None:
    """The entry, or None for a missing or unreadable one (corrupted, or of a layout from before)."""
    totals, *warehouses, price = (raw or "").split("|") if "|" in (raw or "") else ("", "")
    if not price.startswith(PRICE_MARK):
        return None
    try:
        version, on_hand, reserved = (int(x) for x in totals.split(":"))
        split = [w.split(":") for w in warehouses]
        stocked = tuple(WarehouseEntry(w, int(h), int(r)) for w, h, r in split)
        amount = Decimal(price[1:]) if price[1:] else None
    except (ValueError, InvalidOperation):
        return None
    if not stocked or (amount is not None and not (amount.is_finite() and amount > 0)):
        return None
    return Entry(version, on_hand, reserved, stocked, amount)


async def raw_entries(client: redis.Redis, prefix: str, ids: list[UUID]) -> list[str | None]:
    """The stored strings for `ids`, in order (None where there is no key)."""
    raw = await client.mget([stock_key(prefix, p) for p in ids]) if ids else []
    return [r.decode() if isinstance(r, bytes) else r for r in raw]


async def entries(client: redis.Redis, prefix: str, ids: list[UUID]) -> dict[UUID, Entry]:
    """The readable entries for `ids` (missing and unreadable ones left out)."""
    raw = await raw_entries(client, prefix, ids)
    found = ((p, decode(r)) for p, r in zip(ids, raw, strict=True))
    return {p: e for p, e in found if e is not None}
