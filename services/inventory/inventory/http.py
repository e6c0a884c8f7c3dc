"""The stock admin and availability API: PUT/GET /inventory/{id}, POST .../stock, GET /inventory,
GET .../movements, GET /openapi.json."""

from uuid import UUID

from aiohttp import web

from inventory import admin, api_doc, availability, domain, queries
from inventory.projection import PROJECTION
from inventory.schemas import ChangeStock, SetStock
from messaging.unit_of_work import ACQUIRE_TIMEOUT_S, UnitOfWork
from runtime import openapi
from runtime.http import ApiError, json_response, read_model
from servicekit.service import POOL

MAX_BULK = 100
MAX_PAGE = 200


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(422, "validation_failed", message, [{"field": field, "message": message}])


def _path_id(request: web.Request, *, writing: bool) -> UUID:
    try:
        return UUID(request.match_info["product_id"])
    except ValueError:
        if writing:
            raise _invalid("product_id", "product_id must be a UUID") from None
        raise ApiError(404, "not_found", "no such product") from None


def _settled(outcome: admin.Done | domain.Shortage | admin.UnknownProduct) -> web.Response:
    if isinstance(outcome, admin.UnknownProduct):
        raise ApiError(404, "not_found", "no such product; create it with PUT /inventory/{product_id}")
    if isinstance(outcome, domain.Shortage):
        raise ApiError(409, "insufficient_stock", "stock cannot go below the units reserved for orders", [{
            "product_id": str(outcome.product_id), "requested": outcome.requested, "available": outcome.available,
        }])
    headers = {"Location": f"/inventory/{outcome.snapshot.product_id}"} if outcome.created else None
    return json_response(availability.view(outcome.snapshot), 201 if outcome.created else 200, headers)


async def put_product(request: web.Request) -> web.Response:
    product_id = _path_id(request, writing=True)
    body = await read_model(request, SetStock)
    async with UnitOfWork(request.app[POOL]) as uow:
        outcome = await admin.set_stock(uow, request.app[PROJECTION], product_id, body.name, body.quantity)
        if isinstance(outcome, admin.Done):
            await uow.commit()  # the cache is written after the commit, before we answer
    return _settled(outcome)


async def post_stock(request: web.Request) -> web.Response:
    product_id = _path_id(request, writing=True)
    body = await read_model(request, ChangeStock)
    if body.kind == "receive" and body.quantity <= 0:
        raise _invalid("quantity", "a receipt must be a positive quantity; use kind=adjust to remove stock")
    if body.kind == "adjust" and (body.quantity == 0 or body.reason is None):
        raise _invalid("reason" if body.quantity else "quantity", "an adjustment needs a non-zero quantity and a reason")
    async with UnitOfWork(request.app[POOL]) as uow:
        outcome = await admin.change_stock(
            uow, request.app[PROJECTION], product_id, body.kind, body.quantity, body.reason
        )
        if isinstance(outcome, admin.Done):
            await uow.commit()
    return _settled(outcome)


async def get_product(request: web.Request) -> web.Response:
    product_id = _path_id(request, writing=False)
    result = await availability.read(request.app[POOL], request.app[PROJECTION].cache, [product_id])
    if product_id not in result.found:
        raise ApiError(404, "not_found", "no such product")
    return json_response(availability.view(result.found[product_id]),
                         headers={"X-Availability-Source": result.source[product_id]})


async def get_many(request: web.Request) -> web.Response:
    raw = request.query.getall("product_id", [])
    if not 1 <= len(raw) <= MAX_BULK:
        raise _invalid("product_id", f"give 1 to {MAX_BULK} product_id parameters")
    try:
        ids = [UUID(r) for r in raw]
    except ValueError:
        raise _invalid("product_id", "every product_id must be a UUID") from None
    result = await availability.read(request.app[POOL], request.app[PROJECTION].cache, ids)
    return json_response({"items": [availability.view(s) for s in result.found.values()],
                          "unknown": result.missing})


async def get_movements(request: web.Request) -> web.Response:
    product_id = _path_id(request, writing=False)
    limit, cursor = request.query.get("limit", "50"), request.query.get("cursor")
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_PAGE:
        raise _invalid("limit", f"limit must be an integer from 1 to {MAX_PAGE}")
    if cursor is not None and not (cursor.isdigit() and len(cursor) < 19):
        raise _invalid("cursor", "use next_cursor from a previous page")
    async with request.app[POOL].acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        if not await queries.product_exists(conn, product_id):
            raise ApiError(404, "not_found", "no such product")
        rows = await queries.movements(conn, product_id, int(cursor) if cursor else None, int(limit))
    next_cursor = str(rows[-1]["id"]) if len(rows) == int(limit) else None
    return json_response({"movements": rows, "next_cursor": next_cursor})


def add_routes(app: web.Application) -> None:
    app.router.add_put("/inventory/{product_id}", put_product)
    app.router.add_post("/inventory/{product_id}/stock", post_stock)
    app.router.add_get("/inventory/{product_id}", get_product)
    app.router.add_get("/inventory/{product_id}/movements", get_movements)
    app.router.add_get("/inventory", get_many)
    app.router.add_get("/openapi.json", openapi.route(api_doc.document(MAX_BULK, MAX_PAGE)))
