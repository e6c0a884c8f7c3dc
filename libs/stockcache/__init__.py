"""Inventory's availability cache as Redis holds it: one key per product,
"version:on_hand:reserved|main:on_hand:reserved|east:on_hand:reserved" (the totals, then each warehouse
in id order; a warehouse id is a slug, so it holds neither `|` nor `:`).

Inventory writes it and the checker reads it to compare with PostgreSQL, so its layout is defined once,
here, below both (the checker must not import a service).
"""

from typing import NamedTuple
from uuid import UUID

import redis.asyncio as redis

DEFAULT_PREFIX = "inventory:"  # REDIS_KEY_PREFIX's default, for inventory and the checker alike


class WarehouseEntry(NamedTuple):
    warehouse_id: str
    on_hand: int
    reserved: int


class Entry(NamedTuple):
    version: int
    on_hand: int
    reserved: int
    warehouses: tuple[WarehouseEntry, ...]  # in warehouse id order; a product is stocked in one at least


def stock_key(prefix: str, product_id: UUID) -> str:
    return f"{prefix}stock:{product_id}"


def encode(entry: Entry) -> str:
    parts = [f"{entry.version}:{entry.on_hand}:{entry.reserved}"]
    parts.extend(f"{w.warehouse_id}:{w.on_hand}:{w.reserved}" for w in entry.warehouses)
    return "|".join(parts)


def decode(raw: str | None) -> Entry | None:
    """The entry, or None for a missing or unreadable (corrupted, or of the layout before warehouses) one."""
    totals, *warehouses = (raw or "").split("|")
    try:
        version, on_hand, reserved = (int(x) for x in totals.split(":"))
        split = [w.split(":") for w in warehouses]
        stocked = tuple(WarehouseEntry(w, int(h), int(r)) for w, h, r in split)
    except ValueError:
        return None
    if not stocked:
        return None
    return Entry(version, on_hand, reserved, stocked)


async def raw_entries(client: redis.Redis, prefix: str, ids: list[UUID]) -> list[str | None]:
    """The stored strings for `ids`, in order (None where there is no key)."""
    raw = await client.mget([stock_key(prefix, p) for p in ids]) if ids else []
    return [r.decode() if isinstance(r, bytes) else r for r in raw]


async def entries(client: redis.Redis, prefix: str, ids: list[UUID]) -> dict[UUID, Entry]:
    """The readable entries for `ids` (missing and unreadable ones left out)."""
    raw = await raw_entries(client, prefix, ids)
    found = ((p, decode(r)) for p, r in zip(ids, raw, strict=True))
    return {p: e for p, e in found if e is not None}
