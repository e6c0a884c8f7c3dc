"""The path segments of the inventory API: a product id, a warehouse id, a hold id. A malformed one is a
422 on a write (the client sent something wrong) and a 404 on a read (there is no such thing)."""

import re
from typing import Any
from uuid import UUID

from aiohttp import web

from events.catalog import WAREHOUSE_ID
from runtime import params
from runtime.http import ApiError

_WAREHOUSE = re.compile(WAREHOUSE_ID)
PRODUCT_ID: dict[str, Any] = {
    "name": "product_id",
    "in": "path",
    "required": True,
    "schema": params.UUID_SCHEMA,
}
WAREHOUSE: dict[str, Any] = {
    "name": "warehouse_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": WAREHOUSE_ID},
}


def _uuid(request: web.Request, name: str, thing: str, writing: bool) -> UUID:
    try:
        return params.uuid(request.match_info[name], name)
    except params.InvalidParameter:
        if writing:
            raise
        raise ApiError(404, "not_found", f"no such {thing}") from None


def product_id(request: web.Request, *, writing: bool) -> UUID:
    return _uuid(request, "product_id", "product", writing)


def hold_id(request: web.Request, *, writing: bool) -> UUID:
    return _uuid(request, "hold_id", "hold", writing)


def warehouse_id(request: web.Request, *, writing: bool) -> str:
    raw = request.match_info["warehouse_id"]
    if _WAREHOUSE.fullmatch(raw) is None:
        if writing:
            raise params.InvalidParameter(
                "warehouse_id", "a warehouse id is 1 to 32 lower-case letters, digits and dashes"
            )
        raise ApiError(404, "not_found", "no such warehouse")
    return raw
