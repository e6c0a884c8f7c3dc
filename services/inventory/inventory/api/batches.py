"""The batch API: POST /inventory/batch receives, counts or adjusts many products of one warehouse at
once, all or nothing. Its body may be larger than other routes' (MAX_BATCH_BYTES)."""

from typing import Any

from aiohttp import web

from inventory.api import access, move_outcomes, outcomes
from inventory.api.document import Section
from inventory.api.move_schemas import BatchResult, BatchUpdate
from inventory.availability.projection import PROJECTION
from inventory.stock import admin, batches, move_rules
from inventory.stock.move_rules import Line, LineMove, Position
from runtime import openapi
from runtime.http import json_response, read_model
from servicekit import idempotency
from servicekit.service import POOL

# MAX_LINES lines of about 70 bytes of JSON each, with room for whitespace
MAX_BATCH_BYTES = 256 * 1024


def _position(p: Position) -> dict[str, int]:
    return {"on_hand": p.on_hand, "reserved": p.reserved, "product_available": p.product_available}


def _result(m: LineMove) -> dict[str, Any]:
    return {
        "product_id": m.product_id,
        "quantity": m.quantity,
        "moved": m.moved,
        "before": _position(m.before),
        "after": _position(m.after),
    }


async def post_batch(request: web.Request) -> web.Response:
    body = await read_model(request, BatchUpdate, max_bytes=MAX_BATCH_BYTES)
    lines = [Line(x.product_id, x.quantity) for x in body.lines]
    if problems := move_rules.line_problems(body.kind, lines):
        raise move_outcomes.bad_lines(problems)
    async with idempotency.unit_of_work(
        request, request.app[POOL], scope=await access.key_scope(request)
    ) as uow:
        outcome = await batches.apply_batch(
            uow, request.app[PROJECTION], body.kind, body.warehouse_id, body.reason, lines
        )
        if isinstance(outcome, batches.BatchDone):
            await uow.commit()  # the cache learns every changed product after the commit
    if isinstance(outcome, admin.UnknownWarehouse):
        raise outcomes.unknown_warehouse("warehouse_id", outcome.warehouse_id)
    if isinstance(outcome, batches.UnknownProducts):
        raise move_outcomes.unknown_products(outcome.lines)
    if isinstance(outcome, batches.Short):
        raise move_outcomes.insufficient(outcome.lines)
    return json_response(
        {
            "batch_id": outcome.batch_id,
            "kind": body.kind,
            "warehouse_id": body.warehouse_id,
            "lines": [_result(m) for m in outcome.moves],
        }
    )


def document_paths() -> dict[str, Any]:
    return {
        "/inventory/batch": {
            "post": {
                "summary": "Receive, count or adjust up to 1000 products of one warehouse, all or nothing",
                "description": f"The body may be up to {MAX_BATCH_BYTES} bytes.",
                "parameters": [idempotency.PARAMETER],
                "requestBody": {"required": True, **openapi.json_content(BatchUpdate)},
                "responses": {
                    "200": {
                        "description": "each line before and after",
                        **openapi.json_content(BatchResult),
                    },
                    **openapi.errors(400, 409, 413, 415, 422, 503),
                },
            }
        }
    }


SECTION = Section(document_paths(), [BatchUpdate], [BatchResult])


def add_routes(app: web.Application) -> None:
    app.router.add_post("/inventory/batch", post_batch)
