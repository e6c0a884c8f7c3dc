"""The warehouses API: PUT /warehouses/{id}, GET /warehouses, GET /warehouses/{id} and
PUT /inventory/{product_id}/warehouses/{warehouse_id} (a product's stock in one warehouse)."""

from dataclasses import asdict
from typing import Any

from aiohttp import web

from inventory.api import access, paths
from inventory.api.document import Section
from inventory.api.outcomes import answer
from inventory.api.schemas import PutWarehouse, SetWarehouseStock, StockView, WarehouseList, WarehouseView
from inventory.availability.projection import PROJECTION
from inventory.stock import admin, warehouses
from messaging.unit_of_work import ACQUIRE_TIMEOUT_S
from runtime import openapi
from runtime.http import ApiError, json_response, read_model
from servicekit import idempotency
from servicekit.service import POOL


async def put_warehouse(request: web.Request) -> web.Response:
    warehouse_id = paths.warehouse_id(request, writing=True)
    body = await read_model(request, PutWarehouse)
    async with idempotency.unit_of_work(
        request, request.app[POOL], scope=await access.key_scope(request)
    ) as uow:
        warehouse, created = await warehouses.put(uow.conn, warehouse_id, body.name, body.priority)
        await uow.commit()
    headers = {"Location": f"/warehouses/{warehouse_id}"} if created else None
    return json_response(asdict(warehouse), 201 if created else 200, headers)


async def get_warehouse(request: web.Request) -> web.Response:
    warehouse_id = paths.warehouse_id(request, writing=False)
    async with request.app[POOL].acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        found = await warehouses.get(conn, warehouse_id)
    if found is None:
        raise ApiError(404, "not_found", "no such warehouse")
    return json_response(asdict(found))


async def list_warehouses(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        found = await warehouses.list_all(conn)
    return json_response({"warehouses": [asdict(w) for w in found]})


async def put_stock_in_warehouse(request: web.Request) -> web.Response:
    product_id = paths.product_id(request, writing=True)
    warehouse_id = paths.warehouse_id(request, writing=True)
    body = await read_model(request, SetWarehouseStock)
    async with idempotency.unit_of_work(
        request, request.app[POOL], scope=await access.key_scope(request)
    ) as uow:
        outcome = await admin.set_in_warehouse(
            uow, request.app[PROJECTION], product_id, warehouse_id, body.quantity
        )
        if isinstance(outcome, admin.Done):
            await uow.commit()
    return answer(outcome)


def document_paths() -> dict[str, Any]:
    one = {"description": "the warehouse", **openapi.json_content(WarehouseView)}
    return {
        "/warehouses": {
            "get": {
                "summary": "Every warehouse, in allocation order (priority, then id)",
                "responses": {
                    "200": {"description": "the warehouses", **openapi.json_content(WarehouseList)},
                    **openapi.errors(503),
                },
            }
        },
        "/warehouses/{warehouse_id}": {
            "put": {
                "summary": "Create a warehouse, or set its name and priority",
                "parameters": [paths.WAREHOUSE, idempotency.PARAMETER],
                "requestBody": {"required": True, **openapi.json_content(PutWarehouse)},
                "responses": {
                    "200": one,
                    "201": {**one, "description": "created"},
                    **openapi.errors(400, 409, 413, 415, 422, 503),  # 409: idempotency_key_reused
                },
            },
            "get": {
                "summary": "One warehouse",
                "parameters": [paths.WAREHOUSE],
                "responses": {"200": one, **openapi.errors(404, 503)},
            },
        },
        "/inventory/{product_id}/warehouses/{warehouse_id}": {
            "put": {
                "summary": "Set a product's stock in one warehouse (an adjustment in the ledger)",
                "parameters": [paths.PRODUCT_ID, paths.WAREHOUSE, idempotency.PARAMETER],
                "requestBody": {"required": True, **openapi.json_content(SetWarehouseStock)},
                "responses": {
                    "200": {"description": "the product's stock", **openapi.json_content(StockView)},
                    **openapi.errors(400, 404, 409, 413, 415, 422, 503),
                },
            }
        },
    }


SECTION = Section(document_paths(), [PutWarehouse, SetWarehouseStock], [WarehouseView, WarehouseList])


def add_routes(app: web.Application) -> None:
    app.router.add_get("/warehouses", list_warehouses)
    app.router.add_put("/warehouses/{warehouse_id}", put_warehouse)
    app.router.add_get("/warehouses/{warehouse_id}", get_warehouse)
    app.router.add_put("/inventory/{product_id}/warehouses/{warehouse_id}", put_stock_in_warehouse)
