"""The transfers API: POST /transfers moves units of a product from one warehouse to another."""

from typing import Any

from aiohttp import web

from inventory.api import access, move_outcomes, outcomes
from inventory.api.document import Section
from inventory.api.move_schemas import Transfer, Transferred, TransferView
from inventory.availability import reads
from inventory.availability.projection import PROJECTION
from inventory.stock import admin, transfers
from runtime import openapi
from runtime.http import json_response, read_model
from servicekit import idempotency
from servicekit.service import POOL


async def post_transfer(request: web.Request) -> web.Response:
    body = await read_model(request, Transfer)
    async with idempotency.unit_of_work(
        request, request.app[POOL], scope=await access.key_scope(request)
    ) as uow:
        outcome = await transfers.transfer(
            uow,
            request.app[PROJECTION],
            body.product_id,
            body.from_warehouse,
            body.to_warehouse,
            body.quantity,
            body.reason,
        )
        if isinstance(outcome, transfers.Transferred):
            await uow.commit()  # the cache is written after the commit, before we answer
    if isinstance(outcome, admin.UnknownWarehouse):
        field = "from_warehouse" if outcome.warehouse_id == body.from_warehouse else "to_warehouse"
        raise outcomes.unknown_warehouse(field, outcome.warehouse_id)
    if isinstance(outcome, admin.UnknownProduct):
        raise move_outcomes.unknown_product(outcome.product_id)
    if not isinstance(outcome, transfers.Transferred):
        raise move_outcomes.insufficient([outcome])
    transfer = {
        "transfer_id": outcome.transfer_id,
        "product_id": outcome.product_id,
        "from_warehouse": outcome.from_warehouse,
        "to_warehouse": outcome.to_warehouse,
        "quantity": outcome.quantity,
        "reason": outcome.reason,
    }
    return json_response({"transfer": transfer, "stock": reads.view(outcome.snapshot)}, 201)


def document_paths() -> dict[str, Any]:
    return {
        "/transfers": {
            "post": {
                "summary": "Move units of a product from one warehouse to another (never what is reserved)",
                "parameters": [idempotency.PARAMETER],
                "requestBody": {"required": True, **openapi.json_content(Transfer)},
                "responses": {
                    "201": {
                        "description": "the transfer and the product's stock after it",
                        **openapi.json_content(Transferred),
                    },
                    **openapi.errors(400, 409, 413, 415, 422, 503),
                },
            }
        }
    }


SECTION = Section(document_paths(), [Transfer], [Transferred, TransferView])


def add_routes(app: web.Application) -> None:
    app.router.add_post("/transfers", post_transfer)
