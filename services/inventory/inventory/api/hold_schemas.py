"""The holds API's request and response models (they also generate its part of /openapi.json)."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from inventory.api.schemas import TEXT
from runtime.http import JsonInt

MAX_LINES = 100
MAX_UNITS = 1_000_000  # a line of an event (events.catalog.Line) holds at most this many
MAX_TTL_S = 86_400  # HOLD_MAX_TTL may not exceed it; the deployment's own bound is HOLD_MAX_TTL
HOLD_STATUSES = ("ACTIVE", "RELEASED", "EXPIRED", "COMMITTED", "CLAIMED")


class HoldLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: UUID
    quantity: JsonInt = Field(ge=1, le=MAX_UNITS)


class CreateHold(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: list[HoldLine] = Field(
        min_length=1, max_length=MAX_LINES, description="a product named twice is held as the sum"
    )
    ttl_s: JsonInt | None = Field(
        None,
        ge=1,
        le=MAX_TTL_S,
        description="seconds the hold lasts, at most HOLD_MAX_TTL (1 h by default); RESERVATION_TTL if absent",
    )


class CommitHold(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str = Field(
        min_length=1, max_length=200, pattern=TEXT, description="the sale's reference, kept in the ledger"
    )


class AllocationView(BaseModel):
    warehouse_id: str
    quantity: int


class HoldItemView(BaseModel):
    product_id: UUID
    quantity: int
    allocations: list[AllocationView] = Field(description="where the units are held, in allocation order")


class HoldView(BaseModel):
    hold_id: UUID
    status: Literal[HOLD_STATUSES]  # type: ignore[valid-type]
    expires_at: datetime
    order_id: UUID | None = Field(description="the order that claimed it (status CLAIMED)")
    reference: str | None = Field(description="a committed hold's sale reference")
    items: list[HoldItemView]
