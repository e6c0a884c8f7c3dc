"""The inventory API's request and response models (they also generate /openapi.json)."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.config import JsonDict

from events.catalog import WAREHOUSE_ID
from events.ledger import KINDS
from events.types import to_money
from runtime.http import JsonInt

MAX_UNITS = 1_000_000_000
MAX_PRICE = 1_000_000  # what an order line's unit_price may be at most
MAX_PRIORITY = 1_000_000

TEXT = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
# the rules of ChangeStock's validators below, for the OpenAPI document (kind absent is a receipt)
RECEIVE_OR_ADJUST: JsonDict = {
    "if": {"properties": {"kind": {"const": "adjust"}}, "required": ["kind"]},
    "then": {
        "properties": {"quantity": {"not": {"const": 0}}, "reason": {"type": "string"}},
        "required": ["reason"],
    },
    "else": {"properties": {"quantity": {"minimum": 1}}},
}


def _money(value: object) -> object:
    """A decimal string or a JSON number (read exactly, as a Decimal), at most two decimals."""
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise ValueError("price must be a decimal string or a JSON number")
    return to_money(value)


Price = Annotated[
    Decimal,
    BeforeValidator(_money),
    Field(gt=0, le=MAX_PRICE),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_PRICE, "multipleOf": 0.01},
                {"type": "string", "pattern": r"^(?!0*(\.0*)?$)[0-9]{1,6}(\.[0-9]{1,2})?$"},
            ],
            "description": "price per unit: a JSON number or a decimal string, at most two decimals, > 0",
        }
    ),
]


class SetStock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, pattern=TEXT)
    quantity: JsonInt = Field(ge=0, le=MAX_UNITS, description="units on hand after the call")
    price: Price | None = Field(
        None, description="the product's price; absent or null leaves it as it is (a new product: unpriced)"
    )


class ChangeStock(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=RECEIVE_OR_ADJUST)
    kind: Literal["receive", "adjust"] = Field(
        "receive",
        description="receive: a delivery, quantity > 0; adjust: a correction, signed, not 0, needs a reason",
    )
    quantity: JsonInt = Field(ge=-MAX_UNITS, le=MAX_UNITS)
    reason: str | None = Field(None, min_length=1, max_length=500, pattern=TEXT, validate_default=True)
    warehouse_id: str = Field("main", pattern=WAREHOUSE_ID, description="where the stock is; main if absent")

    @field_validator("quantity")
    @classmethod
    def _signed_by_kind(cls, quantity: int, info: ValidationInfo) -> int:
        kind = info.data.get("kind")  # absent from data when kind itself was invalid
        if kind == "receive" and quantity <= 0:
            raise ValueError("a receipt must be a positive quantity; use kind=adjust to remove stock")
        if kind == "adjust" and quantity == 0:
            raise ValueError("an adjustment must be a non-zero quantity")
        return quantity

    @field_validator("reason")
    @classmethod
    def _adjustment_reason(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("kind") == "adjust" and reason is None:
            raise ValueError("an adjustment needs a reason")
        return reason


class SetWarehouseStock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quantity: JsonInt = Field(ge=0, le=MAX_UNITS, description="units on hand in the warehouse after the call")


class PutWarehouse(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, pattern=TEXT)
    priority: JsonInt = Field(
        ge=0, le=MAX_PRIORITY, description="allocation takes the lowest first (then the id)"
    )


class WarehouseView(BaseModel):
    warehouse_id: str
    name: str
    priority: int
    created_at: datetime
    updated_at: datetime


class WarehouseList(BaseModel):
    warehouses: list[WarehouseView] = Field(description="in allocation order: priority, then id")


class WarehouseStockView(BaseModel):
    warehouse_id: str
    on_hand: int
    reserved: int
    available: int


class StockView(BaseModel):
    product_id: UUID
    on_hand: int = Field(description="over every warehouse")
    reserved: int
    available: int
    price: str | None = Field(description="price per unit, a decimal string; null: not for sale until priced")
    warehouses: list[WarehouseStockView] = Field(description="the stock in each warehouse, by id")


class StockList(BaseModel):
    items: list[StockView]
    unknown: list[UUID]


class Movement(BaseModel):
    id: int
    warehouse_id: str
    kind: Literal[KINDS]  # type: ignore[valid-type]
    quantity: int
    order_id: UUID | None
    reservation_id: UUID | None
    reason: str | None
    reference: str | None
    created_at: datetime


class MovementPage(BaseModel):
    movements: list[Movement]
    next_cursor: str | None
