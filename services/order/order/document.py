"""The order API's OpenAPI document: every operation, its parameters, answers and required scope."""

from typing import Any

from order.domain import STATUSES
from order.schemas import CreateOrder, OrderAccepted, OrderPage, OrderView
from runtime import openapi, params
from runtime.auth import scopes
from servicekit.idempotency import PARAMETER

MAX_PAGE = 100

PATHS: dict[str, Any] = {
    "/orders": {
        "post": openapi.secured(
            scopes.ORDERS_WRITE,
            {
                "summary": "Place an order (422 price_mismatch: a unit_price that is not the product's current price)",
                "description": "for the token's customer (403 customer_mismatch otherwise), or any with orders:admin",
                "parameters": [PARAMETER],
                "requestBody": {"required": True, **openapi.json_content(CreateOrder)},
                "responses": {
                    "201": {"description": "accepted", **openapi.json_content(OrderAccepted)},
                    **openapi.errors(400, 409, 413, 415, 422, 503),
                },
            },
        ),
        "get": openapi.secured(
            scopes.ORDERS_READ,
            {
                "summary": "List orders, newest first",
                "description": "the token's customer's orders; every customer's with orders:admin",
                "parameters": [
                    openapi.query("status", {"type": "string", "enum": list(STATUSES)}),
                    openapi.query("limit", params.integer_schema(1, MAX_PAGE)),
                    openapi.query("cursor", params.CURSOR_SCHEMA),
                ],
                "responses": {
                    "200": {"description": "a page", **openapi.json_content(OrderPage)},
                    **openapi.errors(422, 503),
                },
            },
        ),
    },
    "/orders/{order_id}": {
        "get": openapi.secured(
            scopes.ORDERS_READ,
            {
                "summary": "One order with its items, shipments and status history",
                "description": "another customer's order is a 404, as an unknown one (any with orders:admin)",
                "parameters": [
                    {"name": "order_id", "in": "path", "required": True, "schema": params.UUID_SCHEMA}
                ],
                "responses": {
                    "200": {"description": "the order", **openapi.json_content(OrderView)},
                    **openapi.errors(404, 503),
                },
            },
        ),
    },
}


DOCUMENT = openapi.document("Order API", PATHS, [CreateOrder], [OrderAccepted, OrderView, OrderPage])
