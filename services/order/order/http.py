"""The public order API: POST /orders, GET /orders/{order_id}, GET /orders, GET /openapi.json."""

import hashlib
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg
from aiohttp import web

from events import OrderCreated, order_total
from events.catalog import Item, OrderCreatedPayload
from messaging.unit_of_work import ACQUIRE_TIMEOUT_S
from order import domain, prices, pricing, repository
from order.document import DOCUMENT, MAX_PAGE
from order.schemas import CreateOrder
from runtime import openapi, params
from runtime.auth import scopes
from runtime.auth.guard import authorize
from runtime.auth.principal import Principal
from runtime.http import ApiError, json_response, read_model
from servicekit.idempotency import HEADER, MAX_KEY, in_flight, key_reused
from servicekit.service import POOL, RELAY, SCHEMA_VERSION

HOLD_SINCE = OrderCreatedPayload.ADDED["hold_id"]  # the first schema version whose order.created names a hold


def _accepted(order_id: UUID, status: str) -> web.Response:
    return json_response(
        {"order_id": order_id, "status": status}, 201, headers={"Location": f"/orders/{order_id}"}
    )


def _digest(body: CreateOrder) -> str:
    """The body's hash for Idempotency-Key. A field left null is left out, so a body without a hold
    hashes as it did before hold_id existed: a retry across the upgrade is the same request."""
    return hashlib.sha256(body.model_dump_json(exclude_none=True).encode()).hexdigest()


def customer_mismatch(customer_id: UUID) -> ApiError:
    return ApiError(
        403,
        "customer_mismatch",
        "this token places orders only for its own customer",
        [{"field": "customer_id", "message": f"must be the token's customer id, {customer_id}"}],
    )


def price_mismatch(refused: list[pricing.Mismatch]) -> ApiError:
    return ApiError(
        422,
        "price_mismatch",
        "unit_price is not the product's current price on some lines",
        [m.detail() for m in refused],
    )


async def create_order(request: web.Request) -> web.Response:
    principal = await authorize(request, scopes.ORDERS_WRITE)
    key = params.header(request.headers, HEADER, MAX_KEY)
    body = await read_model(request, CreateOrder)
    if body.customer_id != principal.customer_id and not principal.allows(scopes.ORDERS_ADMIN):
        raise customer_mismatch(principal.customer_id)
    if body.hold_id is not None and request.app[SCHEMA_VERSION] < HOLD_SINCE:
        raise ApiError(
            422,
            "validation_failed",
            f"hold_id is not accepted while the order service writes events in schema version {request.app[SCHEMA_VERSION]}",
            [
                {
                    "field": "hold_id",
                    "message": f"a hold needs event schema version {HOLD_SINCE} or later (EVENT_SCHEMA_VERSION)",
                    "type": "unsupported",
                }
            ],
        )
    order_id = uuid4()
    items = [Item(product_id=i.product_id, quantity=i.quantity, unit_price=i.unit_price) for i in body.items]
    total = order_total(items)
    event = OrderCreated.new(
        order_id,
        OrderCreatedPayload(
            customer_id=body.customer_id,
            payment_method=body.payment_method,
            items=items,
            total_amount=total,
            hold_id=body.hold_id,
        ),
    )
    digest = None if key is None else _digest(body)
    claim_key = None if key is None else (principal.subject, key)  # keys are the caller's own
    async with request.app[POOL].acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        # the prices are checked in the statement that places the order (one round trip)
        rows, fair = await repository.place_order(
            conn,
            order_id,
            body.customer_id,
            body.payment_method,
            total,
            [(i.product_id, i.quantity, i.unit_price) for i in items],
            event,
            claim_key,
            digest,
            request.app[SCHEMA_VERSION],
            body.hold_id,
        )
        refused = [] if fair else await _refused_lines(conn, items)
        # rows is None when the prices were refused or the key was taken already; a key that placed
        # this very body before gets its first answer even if a price changed since
        claim = await repository.existing_claim(conn, claim_key) if rows is None and claim_key else None
    if rows is None:
        if claim is None and refused:
            raise price_mismatch(refused)
        if claim is None:  # the claimer's transaction rolled back after all: the client may just retry
            raise in_flight()
        if claim["request_hash"] != digest:
            raise key_reused()
        return _accepted(
            claim["order_id"], domain.PENDING
        )  # the answer it first got, whatever the order's status now
    request.app[RELAY].committed(rows)
    return _accepted(order_id, domain.PENDING)


async def _refused_lines(conn: asyncpg.Connection, items: list[Item]) -> list[pricing.Mismatch]:
    """The lines a refused order was refused for, for the 422's details (only on the refusal path). Empty
    only if the prices changed since the refusal: the caller then answers as for any lost race, 503."""
    known, catalogue = await prices.current(conn, [i.product_id for i in items])
    return pricing.mismatches([(i.product_id, i.unit_price) for i in items], known, catalogue)


def _own(principal: Principal) -> UUID | None:
    """The customer whose orders the caller may read; None: any (orders:admin)."""
    return None if principal.allows(scopes.ORDERS_ADMIN) else principal.customer_id


async def get_order(request: web.Request) -> web.Response:
    principal = await authorize(request, scopes.ORDERS_READ)
    try:
        order_id = params.uuid(request.match_info["order_id"], "order_id")
    except params.InvalidParameter:
        raise ApiError(404, "not_found", "no such order") from None
    async with request.app[POOL].acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        order = await repository.get_order(conn, order_id, _own(principal))
    if order is None:  # unknown, or another customer's: the same answer, so existence does not leak
        raise ApiError(404, "not_found", "no such order")
    return json_response(order)


def _after(parts: list[str]) -> tuple[datetime, UUID]:
    """The (created_at, order_id) of the last order of the previous page."""
    at, order_id = parts
    return params.timestamp(at), params.uuid(order_id, "cursor")


async def list_orders(request: web.Request) -> web.Response:
    principal = await authorize(request, scopes.ORDERS_READ)
    status = params.choice(request.query, "status", domain.STATUSES)
    limit = params.integer(request.query, "limit", 20, 1, MAX_PAGE)
    after = params.cursor(request.query, "cursor", _after)
    async with request.app[POOL].acquire(timeout=ACQUIRE_TIMEOUT_S) as conn:
        rows = await repository.list_orders(conn, status, limit, after, _own(principal))
    last = rows[-1] if len(rows) == limit else None
    next_cursor = (
        params.encode_cursor(last["created_at"].isoformat(), str(last["order_id"])) if last else None
    )
    return json_response({"orders": [dict(r) for r in rows], "next_cursor": next_cursor})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/orders", create_order)
    app.router.add_get("/orders", list_orders)
    app.router.add_get("/orders/{order_id}", get_order)
    app.router.add_get("/openapi.json", openapi.route(DOCUMENT))
