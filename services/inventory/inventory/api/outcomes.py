"""How the outcome of a stock write is answered: the product's stock, or the error that refused it."""

from aiohttp import web

from inventory.availability import reads
from inventory.stock import admin
from runtime.http import ApiError, json_response

NO_PRODUCT = "no such product; create it with PUT /inventory/{product_id}"
NO_WAREHOUSE = "no such warehouse; create it with PUT /warehouses/{warehouse_id}"
BELOW_RESERVED = "stock cannot go below the units reserved for orders"


def unknown_warehouse(field: str, warehouse_id: str) -> ApiError:
    detail = {"field": field, "message": f"{warehouse_id} is no warehouse"}
    return ApiError(422, "unknown_warehouse", NO_WAREHOUSE, [detail])


def refusal(outcome: admin.Refused) -> ApiError:
    if isinstance(outcome, admin.UnknownProduct):
        return ApiError(404, "not_found", NO_PRODUCT)
    if isinstance(outcome, admin.UnknownWarehouse):
        return unknown_warehouse("warehouse_id", outcome.warehouse_id)
    detail = {
        "product_id": str(outcome.product_id),
        "requested": outcome.requested,
        "available": outcome.available,
    }
    return ApiError(409, "insufficient_stock", BELOW_RESERVED, [detail])


def answer(outcome: admin.Done | admin.Refused) -> web.Response:
    if not isinstance(outcome, admin.Done):
        raise refusal(outcome)
    headers = {"Location": f"/inventory/{outcome.snapshot.product_id}"} if outcome.created else None
    return json_response(reads.view(outcome.snapshot), 201 if outcome.created else 200, headers)
