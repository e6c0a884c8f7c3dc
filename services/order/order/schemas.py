"""The public API's request and response models (they also generate /openapi.json)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from events.types import CENT
from order.domain import STATUSES
from runtime.http import JsonInt

PaymentMethod = Literal["credit_card", "debit_card", "pix", "bank_transfer"]
Status = Literal[STATUSES]  # type: ignore[valid-type]
PRICE_SCHEMA = {
    "type": "number",
    "exclusiveMinimum": 0,
    "maximum": 1_000_000,
    "multipleOf": 0.01,
    "description": "price per unit, a number with at most two decimals",
}


class OrderItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: UUID
    quantity: JsonInt = Field(ge=1, le=10_000)
    # decimal_places counts without trailing zeros (49.900 has two): the multipleOf 0.01 of PRICE_SCHEMA
    unit_price: Annotated[Decimal, WithJsonSchema(PRICE_SCHEMA)] = Field(
        gt=0, le=1_000_000, max_digits=9, decimal_places=2
    )

    @field_validator("unit_price", mode="before")
    @classmethod
    def _a_number(cls, price: object) -> object:
        """The document says number: "49.90" as a JSON string is refused, not read as money."""
        if not isinstance(price, int | Decimal) or isinstance(price, bool):
            raise ValueError("unit_price must be a JSON number")
        return price

    @field_validator("unit_price")
    @classmethod
    def _in_cents(cls, price: Decimal) -> Decimal:
        """49.9 and 49.90 are one price: the same body for Idempotency-Key, the same money."""
        return price.quantize(CENT)


class CreateOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: UUID
    payment_method: PaymentMethod
    items: list[OrderItemIn] = Field(min_length=1, max_length=100)
    hold_id: UUID | None = Field(None, description="a checkout hold whose stock the order claims; optional")


class OrderAccepted(BaseModel):
    order_id: UUID
    status: Status


class OrderItemOut(BaseModel):
    product_id: UUID
    quantity: int
    unit_price: str


class HistoryEntry(BaseModel):
    status: Status | None
    event_type: str
    event_id: UUID | None
    applied: bool
    note: str | None
    at: datetime


class OrderSummary(BaseModel):
    order_id: UUID
    customer_id: UUID
    status: Status
    total_amount: str
    tracking_code: str | None
    created_at: datetime
    updated_at: datetime


class ShipmentOut(BaseModel):
    """One warehouse's parcel of the order, as shipping scheduled it."""

    shipment_id: UUID
    warehouse_id: str | None = Field(description="null when shipping did not say (an older shipping service)")
    tracking_code: str
    freight_cost: str
    estimated_delivery: date


class OrderView(OrderSummary):
    tracking_code: str | None = Field(description="the first shipment's, once shipping scheduled the order")
    payment_method: str
    hold_id: UUID | None = Field(description="the checkout hold the order claimed, if any")
    items: list[OrderItemOut]
    shipments: list[ShipmentOut] = Field(
        description="one per warehouse shipping part of the order; empty until scheduled"
    )
    history: list[HistoryEntry]


class OrderPage(BaseModel):
    orders: list[OrderSummary]
    next_cursor: str | None
