"""The request and response models of transfers (POST /transfers) and batch updates
(POST /inventory/batch); they also generate their part of /openapi.json."""

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.config import JsonDict

from events.catalog import WAREHOUSE_ID
from inventory.api.schemas import MAX_UNITS, TEXT, StockView
from inventory.stock.move_rules import MAX_LINES
from runtime.http import JsonInt


def _when(
    kind: str, quantity: JsonDict, reason: JsonDict | None = None, needs_reason: bool = False
) -> JsonDict:
    lines: JsonDict = {"items": {"properties": {"quantity": quantity}}}
    then: JsonDict = {
        "properties": {"lines": lines} if reason is None else {"lines": lines, "reason": reason}
    }
    if needs_reason:
        then["required"] = ["reason"]
    return {"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]}, "then": then}


# the rules of BatchUpdate's validator and of batch_rules.line_problems, for the OpenAPI document
# (a product named twice is refused too, which JSON Schema cannot say)
BATCH_RULES: JsonDict = {
    "allOf": [
        _when("receive", {"minimum": 1}),
        _when("count", {"minimum": 0}, {"type": "null"}),
        _when("adjust", {"not": {"const": 0}}, {"type": "string"}, needs_reason=True),
    ]
}


class Transfer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: UUID
    from_warehouse: str = Field(pattern=WAREHOUSE_ID)
    to_warehouse: str = Field(pattern=WAREHOUSE_ID, description="another warehouse than from_warehouse")
    quantity: JsonInt = Field(ge=1, le=MAX_UNITS)
    reason: str | None = Field(None, min_length=1, max_length=500, pattern=TEXT)

    @field_validator("to_warehouse")
    @classmethod
    def _elsewhere(cls, to_warehouse: str, info: ValidationInfo) -> str:
        if to_warehouse == info.data.get("from_warehouse"):
            raise ValueError("a transfer goes to another warehouse than the one it leaves")
        return to_warehouse


class TransferView(BaseModel):
    transfer_id: UUID = Field(description="in movements.reference of both ledger rows")
    product_id: UUID
    from_warehouse: str
    to_warehouse: str
    quantity: int
    reason: str | None


class Transferred(BaseModel):
    transfer: TransferView
    stock: StockView = Field(description="the product's stock after the transfer")


class BatchLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: UUID
    quantity: JsonInt = Field(
        ge=-MAX_UNITS,
        le=MAX_UNITS,
        description="receive: units received (> 0); count: units counted (>= 0); adjust: signed, not 0",
    )


class BatchUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=BATCH_RULES)
    kind: Literal["receive", "count", "adjust"] = Field(
        description="receive adds; count sets the counted on-hand figure (the ledger gets the difference,"
        " reason cycle_count); adjust is a signed correction with a reason"
    )
    warehouse_id: str = Field(pattern=WAREHOUSE_ID)
    reason: str | None = Field(
        None,
        min_length=1,
        max_length=500,
        pattern=TEXT,
        validate_default=True,
        description="required by adjust, optional for receive, absent for count (its rows say cycle_count)",
    )
    lines: list[BatchLine] = Field(
        min_length=1, max_length=MAX_LINES, description="one per product: a product named twice is refused"
    )

    @field_validator("reason")
    @classmethod
    def _reason_by_kind(cls, reason: str | None, info: ValidationInfo) -> str | None:
        kind = info.data.get("kind")  # absent from data when kind itself was invalid
        if kind == "adjust" and reason is None:
            raise ValueError("an adjustment needs a reason")
        if kind == "count" and reason is not None:
            raise ValueError("a count's ledger rows carry the reason cycle_count; give none")
        return reason


class LinePosition(BaseModel):
    on_hand: int = Field(description="in the batch's warehouse")
    reserved: int = Field(description="in the batch's warehouse")
    product_available: int = Field(description="the product's, over every warehouse")


class LineResult(BaseModel):
    product_id: UUID
    quantity: int = Field(description="as the line gave it")
    moved: int = Field(description="the ledger row's signed quantity; 0 when nothing changed (no row)")
    before: LinePosition
    after: LinePosition


class BatchResult(BaseModel):
    batch_id: UUID = Field(description="in movements.reference of every ledger row of the batch")
    kind: str
    warehouse_id: str
    lines: list[LineResult] = Field(description="in the order of the request's lines")
