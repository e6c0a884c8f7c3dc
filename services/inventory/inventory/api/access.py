"""Who may call which inventory route: the scope each protected route needs (one table, which the
middleware enforces and the OpenAPI document declares), and who a hold's caller is.

Availability (GET /inventory/{id}, GET /inventory), /health, /ready and /openapi.json stay public:
product pages show availability. Every other route needs a bearer token granting its scope, checked
before anything else about the request (401 without a good token, 403 without the scope).
"""

from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from inventory.holds.owners import Caller
from runtime import openapi
from runtime.auth import scopes
from runtime.auth.guard import authenticate, authorize

READ, WRITE, HOLDS = scopes.INVENTORY_READ, scopes.INVENTORY_WRITE, scopes.HOLDS_WRITE
# (method, path template) -> the scope it needs; HEAD is GET's
SCOPES: dict[tuple[str, str], str] = {
    ("GET", "/inventory/{product_id}/movements"): READ,
    ("GET", "/warehouses"): READ,
    ("GET", "/warehouses/{warehouse_id}"): READ,
    ("GET", "/holds/{hold_id}"): READ,
    ("PUT", "/inventory/{product_id}"): WRITE,
    ("POST", "/inventory/{product_id}/stock"): WRITE,
    ("PUT", "/warehouses/{warehouse_id}"): WRITE,
    ("PUT", "/inventory/{product_id}/warehouses/{warehouse_id}"): WRITE,
    ("POST", "/transfers"): WRITE,
    ("POST", "/inventory/batch"): WRITE,
    ("POST", "/holds"): HOLDS,
    ("POST", "/holds/{hold_id}/release"): HOLDS,
    ("POST", "/holds/{hold_id}/commit"): HOLDS,
}
PUBLIC = frozenset({("GET", "/inventory/{product_id}"), ("GET", "/inventory"), ("GET", "/openapi.json")})
# a hold admin reads, releases and sells anyone's hold: the stock admin, and the call centre
HOLD_ADMINS = frozenset({scopes.INVENTORY_WRITE, scopes.ORDERS_ADMIN})


def scope_of(request: web.Request) -> str | None:
    """The scope the matched route needs, or None if it is public (or matched no route)."""
    method = "GET" if request.method == "HEAD" else request.method
    resource = request.match_info.route.resource
    return None if resource is None else SCOPES.get((method, resource.canonical))


@web.middleware
async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if (scope := scope_of(request)) is not None:
        await authorize(request, scope)  # 401 / 403 in the error shape; the Principal kept on the request
    return await handler(request)


async def key_scope(request: web.Request) -> str:
    """Whose Idempotency-Keys a write's is: its subject's, so one client cannot squat or probe another's.
    (The caller the middleware let through: the guard keeps its Principal on the request.)"""
    return (await authenticate(request)).subject


async def hold_caller(request: web.Request) -> Caller:
    """Who asks for a hold: its customer id, and whether it may see and end anyone's."""
    p = await authenticate(request)
    return Caller(p.customer_id, admin=bool(p.scopes & HOLD_ADMINS))


def secure(paths: dict[str, Any]) -> dict[str, Any]:
    """The document's paths with each protected operation's security, 401 and 403 (from SCOPES)."""
    return {
        path: {
            method: openapi.secured(SCOPES[(method.upper(), path)], op)
            if (method.upper(), path) in SCOPES
            else op
            for method, op in operations.items()
        }
        for path, operations in paths.items()
    }


def install(app: web.Application) -> None:
    app.middlewares.append(middleware)
