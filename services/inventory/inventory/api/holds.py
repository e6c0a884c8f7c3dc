"""The holds API: POST /holds, GET /holds/{hold_id}, POST /holds/{hold_id}/release and
POST /holds/{hold_id}/commit; stock held at checkout before there is an order (inventory.holds)."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from aiohttp import web

from inventory import metrics
from inventory.api import access, paths
from inventory.api.document import Section
from inventory.api.hold_schemas import CommitHold, CreateHold, HoldView
from inventory.availability.projection import PROJECTION
from inventory.holds import service
from inventory.holds.service import Hold, NotActive
from inventory.settings import InventorySettings
from inventory.stock import domain
from messaging.unit_of_work import ACQUIRE_TIMEOUT_S
from runtime import openapi, params
from runtime.faults import fault_point
from runtime.http import ApiError, error_response, json_response, read_model
from servicekit import idempotency
from servicekit.service import POOL


@dataclass(frozen=True)
class HoldTtls:
    """A hold's ttl without ttl_s (RESERVATION_TTL) and the longest one may ask for (HOLD_MAX_TTL)."""

    default_s: float
    max_s: float

    @classmethod
    def of(cls, s: InventorySettings) -> "HoldTtls":
        return cls(s.reservation_ttl.total_seconds(), s.hold_max_ttl.total_seconds())


HOLD_TTLS = web.AppKey("hold_ttls", HoldTtls)
HOLD_ID: dict[str, Any] = {"name": "hold_id", "in": "path", "required": True, "schema": params.UUID_SCHEMA}


def view(hold: Hold) -> dict[str, Any]:
    items: dict[UUID, list[dict[str, Any]]] = {}
    for p in sorted(hold.picks, key=lambda p: (p.product_id, p.warehouse_id)):
        items.setdefault(p.product_id, []).append({"warehouse_id": p.warehouse_id, "quantity": p.quantity})
    return {
        "hold_id": hold.hold_id,
        "status": hold.status,
        "expires_at": hold.expires_at,
        "order_id": hold.order_id,
        "reference": hold.reference,
        "items": [
            {"product_id": p, "quantity": sum(a["quantity"] for a in alloc), "allocations": alloc}
            for p, alloc in items.items()
        ],
    }


def refusal(outcome: domain.Reject) -> ApiError:
    if outcome.reason == "unknown_product":
        unknown: list[dict[str, Any]] = [
            {"field": "items", "message": "no such product", "product_id": str(s.product_id)}
            for s in outcome.shortages
        ]
        return ApiError(422, "unknown_product", "no such product", unknown)
    details: list[dict[str, Any]] = [
        {"product_id": str(s.product_id), "requested": s.requested, "available": s.available}
        for s in outcome.shortages
    ]
    return ApiError(409, "sold_out", "not enough stock for every line: nothing was held", details)


def not_active(hold: Hold) -> dict[str, Any]:
    """The 409's error, for a hold that has ended or was claimed."""
    detail = {"hold_id": str(hold.hold_id), "status": hold.status}
    return {"code": "hold_not_active", "message": f"the hold is {hold.status}", "details": [detail]}


async def post_hold(request: web.Request) -> web.Response:
    with metrics.HOLD_HTTP_SECONDS.labels("create").time():
        body = await read_model(request, CreateHold)
        ttls = request.app[HOLD_TTLS]
        if body.ttl_s is not None and body.ttl_s > ttls.max_s:
            raise params.InvalidParameter("ttl_s", f"at most {ttls.max_s:g} seconds (HOLD_MAX_TTL)")
        wanted = domain.quantities((i.product_id, i.quantity) for i in body.items)
        ttl_s = ttls.default_s if body.ttl_s is None else body.ttl_s
        owner = (await access.hold_caller(request)).customer_id
        async with idempotency.unit_of_work(
            request, request.app[POOL], scope=await access.key_scope(request)
        ) as uow:
            outcome = await service.create(uow, request.app[PROJECTION], wanted, ttl_s, owner)
            if isinstance(outcome, Hold):
                await uow.commit()
        if not isinstance(outcome, Hold):
            metrics.HOLDS.labels("create", outcome.reason).inc()
            raise refusal(outcome)
        metrics.HOLDS.labels("create", "held").inc()
        return json_response(view(outcome), 201, {"Location": f"/holds/{outcome.hold_id}"})


async def get_hold(request: web.Request) -> web.Response:
    with metrics.HOLD_HTTP_SECONDS.labels("read").time():
        wanted = paths.hold_id(request, writing=False)
        caller = await access.hold_caller(request)
        async with request.app[POOL].acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
            hold = await service.read(conn, wanted, caller)
        if hold is None:
            raise ApiError(404, "not_found", "no such hold")
        return json_response(view(hold))


async def _end(request: web.Request, kind: str, reference: str | None = None) -> web.Response:
    """Release or commit: the hold after it, or a 409 (committed with the answer if the hold was due,
    since this request expired it)."""
    wanted = paths.hold_id(request, writing=True)
    caller = await access.hold_caller(request)
    async with idempotency.unit_of_work(
        request, request.app[POOL], scope=await access.key_scope(request)
    ) as uow:
        outcome = await service.end(uow, request.app[PROJECTION], wanted, kind, caller, reference)
        if isinstance(outcome, Hold) or (isinstance(outcome, NotActive) and outcome.expired_now):
            await uow.commit()
    if outcome is None:
        raise ApiError(404, "not_found", "no such hold")
    if isinstance(outcome, NotActive):
        metrics.HOLDS.labels(kind, "not_active").inc()
        if outcome.expired_now:
            metrics.HOLDS.labels("expire", "expired").inc()
        error = not_active(outcome.hold)
        return error_response(409, error["code"], error["message"], error["details"])
    metrics.HOLDS.labels(kind, outcome.status.lower()).inc()
    return json_response(view(outcome))


async def release_hold(request: web.Request) -> web.Response:
    with metrics.HOLD_HTTP_SECONDS.labels("release").time():
        return await _end(request, "release")


async def commit_hold(request: web.Request) -> web.Response:
    with metrics.HOLD_HTTP_SECONDS.labels("commit").time():
        body = await read_model(request, CommitHold)
        return await _end(request, "commit", body.reference)


async def _answering(request: web.Request, response: web.StreamResponse) -> None:
    if request.method == "POST" and request.path.startswith("/holds") and response.status < 300:
        await fault_point("inventory.hold_written_before_answer")  # tests: committed, not yet answered


def document_paths() -> dict[str, Any]:
    one = {"description": "the hold", **openapi.json_content(HoldView)}
    return {
        "/holds": {
            "post": {
                "summary": "Hold stock for a checkout: every line, from the warehouses an order's would come from, or nothing (409 sold_out)",
                "parameters": [idempotency.PARAMETER],
                "requestBody": {"required": True, **openapi.json_content(CreateHold)},
                "responses": {
                    "201": {**one, "description": "held"},
                    **openapi.errors(400, 409, 413, 415, 422, 503),
                },
            }
        },
        "/holds/{hold_id}": {
            "get": {
                "summary": "A hold: ACTIVE, RELEASED, EXPIRED, COMMITTED, or CLAIMED by an order",
                "parameters": [HOLD_ID],
                "responses": {"200": one, **openapi.errors(404, 503)},
            }
        },
        "/holds/{hold_id}/release": {
            "post": {
                "summary": "Give the held stock back (a released hold answers the same again)",
                "parameters": [HOLD_ID, idempotency.PARAMETER],
                "responses": {"200": one, **openapi.errors(404, 409, 422, 503)},
            }
        },
        "/holds/{hold_id}/commit": {
            "post": {
                "summary": "Sell the held stock over the counter: it leaves the warehouses",
                "parameters": [HOLD_ID, idempotency.PARAMETER],
                "requestBody": {"required": True, **openapi.json_content(CommitHold)},
                "responses": {"200": one, **openapi.errors(400, 404, 409, 413, 415, 422, 503)},
            }
        },
    }


SECTION = Section(document_paths(), [CreateHold, CommitHold], [HoldView])


def add_routes(app: web.Application) -> None:
    app.router.add_post("/holds", post_hold)
    app.router.add_get("/holds/{hold_id}", get_hold)
    app.router.add_post("/holds/{hold_id}/release", release_hold)
    app.router.add_post("/holds/{hold_id}/commit", commit_hold)
    app.on_response_prepare.append(_answering)
