"""Warehouses: create or change one (PUT /warehouses/{id}), list them. Their priority orders allocation
(stock.domain.allocate); the default warehouse `main` exists from the start (migration 0002)."""

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

import asyncpg

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool


@dataclass(frozen=True)
class Warehouse:
    warehouse_id: str
    name: str
    priority: int
    created_at: datetime
    updated_at: datetime


_COLUMNS = "warehouse_id, name, priority, created_at, updated_at"


async def exists(conn: Conn, warehouse_id: str) -> bool:
    return not await missing(conn, [warehouse_id])


async def get(conn: Conn, warehouse_id: str) -> Warehouse | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM warehouses WHERE warehouse_id = $1", warehouse_id)
    return None if row is None else _warehouse(row)


async def missing(conn: Conn, warehouse_ids: list[str]) -> list[str]:
    """Those of `warehouse_ids` that are no warehouse."""
    known = await conn.fetch(
        "SELECT warehouse_id FROM warehouses WHERE warehouse_id = ANY($1::text[])", warehouse_ids
    )
    found = {r["warehouse_id"] for r in known}
    return [w for w in dict.fromkeys(warehouse_ids) if w not in found]


async def put(conn: Conn, warehouse_id: str, name: str, priority: int) -> tuple[Warehouse, bool]:
    """Create the warehouse or set its name and priority; returns it and whether it was created."""
    row = await conn.fetchrow(
        "INSERT INTO warehouses (warehouse_id, name, priority) VALUES ($1, $2, $3)"
        " ON CONFLICT (warehouse_id) DO UPDATE SET name = excluded.name, priority = excluded.priority,"
        " updated_at = now()"
        f" RETURNING {_COLUMNS}, (xmax = 0) AS created",
        warehouse_id,
        name,
        priority,
    )
    return _warehouse(row), row["created"]


async def list_all(conn: Conn) -> list[Warehouse]:
    """Every warehouse, in allocation order (priority, then id)."""
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM warehouses ORDER BY priority, warehouse_id")
    return [_warehouse(r) for r in rows]


def _warehouse(row: asyncpg.Record) -> Warehouse:
    return Warehouse(*(row[c] for c in _COLUMNS.split(", ")))
