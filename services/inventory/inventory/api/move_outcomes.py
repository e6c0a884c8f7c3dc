"""How transfers and batch updates are refused: the error answers that name the field, the lines and
the warehouse at fault (a product or warehouse named in a body and missing is a 422, as a warehouse is
in POST .../stock; a 404 is for what a path names)."""

from collections.abc import Sequence

from inventory.api.outcomes import BELOW_RESERVED, NO_PRODUCT
from inventory.stock.move_rules import LineProblem, Shortfall
from runtime.http import ApiError


def _line(problem: LineProblem, field: str) -> dict:
    return {
        "field": field,
        "line": problem.line,
        "product_id": str(problem.product_id),
        "message": problem.message,
    }


def unknown_products(problems: Sequence[LineProblem]) -> ApiError:
    return ApiError(
        422,
        "unknown_product",
        NO_PRODUCT,
        [_line(p, f"lines.{p.line}.product_id") for p in problems],
    )


def unknown_product(product_id: object) -> ApiError:
    return ApiError(
        422,
        "unknown_product",
        NO_PRODUCT,
        [{"field": "product_id", "product_id": str(product_id), "message": "no such product"}],
    )


def bad_lines(problems: Sequence[LineProblem]) -> ApiError:
    return ApiError(
        422,
        "validation_failed",
        "lines of the batch failed validation; nothing was changed",
        [_line(p, f"lines.{p.line}") for p in problems],
    )


def insufficient(shortfalls: Sequence[Shortfall]) -> ApiError:
    details = []
    for s in shortfalls:
        named = {} if s.line is None else {"line": s.line}
        details.append(
            {
                **named,
                "product_id": str(s.product_id),
                "warehouse_id": s.warehouse_id,
                "requested": s.requested,
                "available": s.available,
            }
        )
    return ApiError(409, "insufficient_stock", BELOW_RESERVED, details)
