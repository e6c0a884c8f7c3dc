"""The inventory API's request and response models (they also generate /openapi.json)."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

MAX_UNITS = 1_000_000_000
TEXT = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL


class SetStock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, pattern=TEXT)
    quantity: int = Field(strict=True, ge=0, le=MAX_UNITS, description="units on hand after the call")


class ChangeStock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["receive", "adjust"] = Field(
        "receive", description="receive: a delivery, quantity > 0; adjust: a correction, signed, needs a reason"
    )
    quantity: int = Field(strict=True, ge=-MAX_UNITS, le=MAX_UNITS)
    reason: str | None = Field(None, min_length=1, max_length=500, pattern=TEXT)


class StockView(BaseModel):
    product_id: UUID
    on_hand: int
    reserved: int
    available: int


class StockList(BaseModel):
    items: list[StockView]
    unknown: list[UUID]


class Movement(BaseModel):
    id: int
    kind: Literal["receive", "adjust", "reserve", "release", "commit", "expire"]
    quantity: int
    order_id: UUID | None
    reservation_id: UUID | None
    reason: str | None
    created_at: datetime


class MovementPage(BaseModel):
    movements: list[Movement]
    next_cursor: str | None
