"""The stock admin and availability API: PUT/GET /inventory/{id}, POST .../stock, GET /inventory,
GET .../movements, GET /openapi.json; add_routes also adds the other routes modules of api/
(warehouses, transfers, batches, holds) and their parts of the document."""

from aiohttp import web

from events import InventoryPriceChanged
from inventory.api import access, batches, document, holds, paths, transfers, warehouses
from inventory.api.outcomes import answer
from inventory.api.schemas import ChangeStock, SetStock
from inventory.availability import reads
from inventory.availability.projection import PROJECTION
from inventory.stock import admin, queries
from messaging.unit_of_work import ACQUIRE_TIMEOUT_S
from runtime import openapi, params
from runtime.http import ApiError, json_response, read_model
from servicekit import idempotency
from servicekit.service import POOL, RELAY, SCHEMA_VERSION

PRICE_NEEDS = (
    "a price change is an inventory.price_changed, an event of schema version"
    f" {InventoryPriceChanged.SINCE} or later (EVENT_SCHEMA_VERSION={InventoryPriceChanged.SINCE})"
)
MAX_BULK = 100
MAX_PAGE = 200
MAX_CURSOR = 10**18 - 1  # a movement id: a bigint, written as at most 18 digits
ROUTE_MODULES = (
    warehouses,
    transfers,
    batches,
    holds,
)  # each has add_routes(app) and its SECTION of the OpenAPI document


async def put_product(request: web.Request) -> web.Response:
    product_id = paths.product_id(request, writing=True)
    body = await read_model(request, SetStock)
    if body.price is not None and request.app[SCHEMA_VERSION] < InventoryPriceChanged.SINCE:
        raise ApiError(
            422,
            "validation_failed",
            f"price is not accepted while inventory writes events in schema version {request.app[SCHEMA_VERSION]}",
            [{"field": "price", "message": PRICE_NEEDS, "type": "unsupported"}],
        )
    # the price event goes to the relay at the commit, not at its next poll
    async with idempotency.unit_of_work(
        request, request.app[POOL], request.app[RELAY].committed, scope=await access.key_scope(request)
    ) as uow:
        outcome = await admin.set_stock(
            uow, request.app[PROJECTION], product_id, body.name, body.quantity, price=body.price
        )
        if isinstance(outcome, admin.Done):
            await uow.commit()  # the cache is written after the commit, before we answer
    return answer(outcome)


async def post_stock(request: web.Request) -> web.Response:
    product_id = paths.product_id(request, writing=True)
    body = await read_model(request, ChangeStock)  # its validators hold the receive and adjust rules
    async with idempotency.unit_of_work(
        request, request.app[POOL], scope=await access.key_scope(request)
    ) as uow:
        outcome = await admin.change_stock(
            uow, request.app[PROJECTION], product_id, body.kind, body.quantity, body.reason, body.warehouse_id
        )
        if isinstance(outcome, admin.Done):
            await uow.commit()
    return answer(outcome)


async def get_product(request: web.Request) -> web.Response:
    product_id = paths.product_id(request, writing=False)
    result = await reads.read(request.app[POOL], request.app[PROJECTION].cache, [product_id])
    if product_id not in result.found:
        raise ApiError(404, "not_found", "no such product")
    return json_response(
        reads.view(result.found[product_id]),
        headers={"X-Availability-Source": result.source[product_id]},
    )


async def get_many(request: web.Request) -> web.Response:
    raw = request.query.getall("product_id", [])
    if not 1 <= len(raw) <= MAX_BULK:
        raise params.InvalidParameter("product_id", f"give 1 to {MAX_BULK} product_id parameters")
    ids = [params.uuid(r, "product_id") for r in raw]
    result = await reads.read(request.app[POOL], request.app[PROJECTION].cache, ids)
    return json_response({"items": [reads.view(s) for s in result.found.values()], "unknown": result.missing})


async def get_movements(request: web.Request) -> web.Response:
    product_id = paths.product_id(request, writing=False)
    limit = params.integer(request.query, "limit", 50, 1, MAX_PAGE)
    before = params.integer(request.query, "cursor", None, 0, MAX_CURSOR)
    async with request.app[POOL].acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        if not await queries.product_exists(conn, product_id):
            raise ApiError(404, "not_found", "no such product")
        rows = await queries.movements(conn, product_id, before, limit)
    next_cursor = str(rows[-1]["id"]) if len(rows) == limit else None
    return json_response({"movements": rows, "next_cursor": next_cursor})


def add_routes(app: web.Application) -> None:
    access.install(app)  # the scopes, checked before any route reads the request
    app.router.add_put("/inventory/{product_id}", put_product)
    app.router.add_post("/inventory/{product_id}/stock", post_stock)
    app.router.add_get("/inventory/{product_id}", get_product)
    app.router.add_get("/inventory/{product_id}/movements", get_movements)
    app.router.add_get("/inventory", get_many)
    for module in ROUTE_MODULES:
        module.add_routes(app)
    doc = document.document(MAX_BULK, MAX_PAGE, MAX_CURSOR, [m.SECTION for m in ROUTE_MODULES])
    app.router.add_get("/openapi.json", openapi.route(doc))
