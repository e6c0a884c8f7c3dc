"""The inventory API's OpenAPI document, built from the same models the routes validate with; each
protected operation's security from the scopes the routes enforce (api/access.py)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from inventory.api import access
from inventory.api.paths import PRODUCT_ID
from inventory.api.schemas import ChangeStock, MovementPage, SetStock, StockList, StockView
from runtime import openapi, params
from servicekit import idempotency


@dataclass(frozen=True)
class Section:
    """The paths one routes module serves, with the models they take and answer."""

    paths: dict[str, Any]
    requests: list[type[BaseModel]] = field(default_factory=list)
    responses: list[type[BaseModel]] = field(default_factory=list)


def document(
    max_bulk: int, max_page: int, max_cursor: int, sections: Iterable[Section] = ()
) -> dict[str, Any]:
    ok = {"description": "the product's stock", **openapi.json_content(StockView)}
    paths = {
        "/inventory/{product_id}": {
            "put": {
                "summary": "Create a product with its stock (and price), or set an existing product's stock (and price)",
                "parameters": [PRODUCT_ID, idempotency.PARAMETER],
                "requestBody": {"required": True, **openapi.json_content(SetStock)},
                "responses": {
                    "200": ok,
                    "201": {**ok, "description": "created"},
                    **openapi.errors(400, 409, 413, 415, 422, 503),
                },
            },
            "get": {
                "summary": "A product's availability and price (from the Redis cache, or PostgreSQL when Redis is away)",
                "parameters": [PRODUCT_ID],
                "responses": {"200": ok, **openapi.errors(404, 503)},
            },
        },
        "/inventory/{product_id}/stock": {
            "post": {
                "summary": "Receive stock (kind=receive, quantity > 0) or adjust it (kind=adjust, signed, not 0, with a reason)",
                "parameters": [PRODUCT_ID, idempotency.PARAMETER],
                "requestBody": {"required": True, **openapi.json_content(ChangeStock)},
                "responses": {"200": ok, **openapi.errors(400, 404, 409, 413, 415, 422, 503)},
            },
        },
        "/inventory/{product_id}/movements": {
            "get": {
                "summary": "The product's movements ledger, newest first",
                "parameters": [
                    PRODUCT_ID,
                    openapi.query("limit", params.integer_schema(1, max_page)),
                    openapi.query(
                        "cursor",
                        params.integer_schema(0, max_cursor),
                        description="the next_cursor of the previous page",
                    ),
                ],
                "responses": {
                    "200": {"description": "a page", **openapi.json_content(MovementPage)},
                    **openapi.errors(404, 422, 503),
                },
            },
        },
        "/inventory": {
            "get": {
                "summary": "Availability of many products at once",
                "parameters": [
                    {
                        "name": "product_id",
                        "in": "query",
                        "required": True,
                        "style": "form",
                        "explode": True,
                        "schema": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": max_bulk,
                            "items": params.UUID_SCHEMA,
                        },
                    }
                ],
                "responses": {
                    "200": {
                        "description": "known products and the ids not found",
                        **openapi.json_content(StockList),
                    },
                    **openapi.errors(422, 503),
                },
            },
        },
    }
    requests: list[type[BaseModel]] = [SetStock, ChangeStock]
    responses: list[type[BaseModel]] = [StockView, StockList, MovementPage]
    for section in sections:
        paths.update(section.paths)
        requests.extend(section.requests)
        responses.extend(section.responses)
    return openapi.document("Inventory API", access.secure(paths), requests, responses)
