"""How the outcome of a stock write is answered: the product's stock, or the error that refused it."""

from aiohttp import web

from inventory.availability import reads
from inventory.stock import admin
from runtime.http import ApiError, json_response


def refusal(outcome: admin.Refused) -> ApiError:
    if isinstance(outcome, admin.UnknownProduct):
        return ApiError(404, "not_found", "no such product; create it with PUT /inventory/{product_id}")
    if isinstance(outcome, admin.UnknownWarehouse):
        return ApiError(
            422,
            "unknown_warehouse",
            "no such warehouse; create it with PUT /warehouses/{warehouse_id}",
            [{"field": "warehouse_id", "message": f"{outcome.warehouse_id} is no warehouse"}],
        )
    return ApiError(
        409,
        "insufficient_stock",
        "stock cannot go below the units reserved for orders",
        [
            {
                "product_id": str(outcome.product_id),
                "requested": outcome.requested,
                "available": outcome.available,
            }
        ],
    )


def answer(outcome: admin.Done | admin.Refused) -> web.Response:
    if not isinstance(outcome, admin.Done):
        raise refusal(outcome)
    headers = {"Location": f"/inventory/{outcome.snapshot.product_id}"} if outcome.created else None
    return json_response(reads.view(outcome.snapshot), 201 if outcome.created else 200, headers)
