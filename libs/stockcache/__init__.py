"""Inventory's availability cache as Redis holds it: one key per product, "version:on_hand:reserved".

Inventory writes it and the checker reads it to compare with PostgreSQL, so its layout is defined once,
here, below both (the checker must not import a service).
"""

from typing import NamedTuple
from uuid import UUID

import redis.asyncio as redis

DEFAULT_PREFIX = "inventory:"  # REDIS_KEY_PREFIX's default, for inventory and the checker alike


class Entry(NamedTuple):
    version: int
    on_hand: int
    reserved: int


def stock_key(prefix: str, product_id: UUID) -> str:
    return f"{prefix}stock:{product_id}"


def encode(entry: Entry) -> str:
    return f"{entry.version}:{entry.on_hand}:{entry.reserved}"


def decode(raw: str | None) -> Entry | None:
    """The entry, or None for a missing or unreadable (corrupted) one."""
    try:
        version, on_hand, reserved = (int(x) for x in (raw or "").split(":"))
    except ValueError:
        return None
    return Entry(version, on_hand, reserved)


async def raw_entries(client: redis.Redis, prefix: str, ids: list[UUID]) -> list[str | None]:
    """The stored strings for `ids`, in order (None where there is no key)."""
    raw = await client.mget([stock_key(prefix, p) for p in ids]) if ids else []
    return [r.decode() if isinstance(r, bytes) else r for r in raw]


async def entries(client: redis.Redis, prefix: str, ids: list[UUID]) -> dict[UUID, Entry]:
    """The readable entries for `ids` (missing and unreadable ones left out)."""
    raw = await raw_entries(client, prefix, ids)
    found = ((p, decode(r)) for p, r in zip(ids, raw, strict=True))
    return {p: e for p, e in found if e is not None}
