"""The holds API's SQL: one hold with what its view shows (expiry, order, reference), read or locked."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from inventory.reservations.repository import COLUMNS, Reservation, reservation_of


@dataclass(frozen=True)
class HoldRow:
    reservation: Reservation
    expires_at: datetime
    reference: str | None


async def read_hold(conn: asyncpg.Connection, hold_id: UUID, *, lock: bool = False) -> HoldRow | None:
    """The reservation of that id if it is a hold (origin hold, claimed or not); `lock`: FOR UPDATE, for
    the one who decides its end."""
    row = await conn.fetchrow(
        f"SELECT {COLUMNS}, r.expires_at, r.reference FROM reservations r"
        " WHERE r.reservation_id = $1 AND r.origin = 'hold'" + (" FOR UPDATE OF r" if lock else ""),
        hold_id,
    )
    return None if row is None else HoldRow(reservation_of(row), row["expires_at"], row["reference"])
