"""Who may call which inventory route, through the real routes: every protected route is a 401 without a
token (or with a bad one) and a 403 with a token lacking its scope, changing nothing either way, and
answers with its scope alone; availability, /health, /ready and /openapi.json answer without a token;
every route the app serves is one or the other, and the OpenAPI document says which."""

from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient

from inventory.api import access
from inventory.api.routes import add_routes
from inventory.availability.projection import Projection
from runtime.auth import scopes
from runtime.http import base_app
from stack.tokens import DEMO_CUSTOMER, Signer
from tests.integration.inventory.support import new_products, serve_api
from tests.support.inventory_access import Example, examples


@pytest_asyncio.fixture
async def admin(pool: asyncpg.Pool, projection: Projection, signer: Signer) -> AsyncIterator[TestClient]:
    async with serve_api(pool, projection, signer) as c:
        yield c


@pytest_asyncio.fixture
async def anonymous(pool: asyncpg.Pool, projection: Projection, signer: Signer) -> AsyncIterator[TestClient]:
    async with serve_api(pool, projection, signer, token=None) as c:
        yield c


async def send(client: TestClient, example: Example, token: str | None = None) -> tuple[int, Any, Any]:
    method, path, body = example
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with client.request(method, path, json=body, headers=headers) as r:
        return r.status, await r.json() if r.content_type == "application/json" else None, r.headers


async def setup(admin: TestClient, pool: asyncpg.Pool) -> dict[tuple[str, str], Example]:
    [p] = await new_products(pool, 20)
    assert (await send(admin, ("PUT", "/warehouses/east", {"name": "East", "priority": 10})))[0] == 201
    held = [
        await send(admin, ("POST", "/holds", {"items": [{"product_id": str(p), "quantity": 1}]}))
        for _ in "ab"
    ]
    assert [h[0] for h in held] == [201, 201]
    return examples(p, held[0][1]["hold_id"], held[1][1]["hold_id"])


async def state(pool: asyncpg.Pool) -> list[int]:
    tables = ("movements", "reservations", "warehouses", "idempotent_writes", "products")
    return [await pool.fetchval(f"SELECT count(*) FROM {t}") for t in tables]


def test_every_route_is_protected_or_public_and_every_protected_one_has_an_example():
    app = base_app()
    add_routes(app)
    app_routes = {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    assert app_routes == set(access.SCOPES) | access.PUBLIC | {("GET", "/health"), ("GET", "/ready")}
    assert set(examples(UUID(int=1), "h", "h")) == set(access.SCOPES)
    assert not set(access.SCOPES) & access.PUBLIC


async def test_without_a_token_or_with_a_bad_one_every_protected_route_is_a_401(admin, anonymous, pool):
    calls = await setup(admin, pool)
    before = await state(pool)
    for route, example in calls.items():
        for token in (None, "not-a-jwt"):
            status, body, headers = await send(anonymous, example, token)
            assert status == 401, (route, token, body)
            assert body["error"]["code"] == "unauthorized" and set(body["error"]) == {
                "code",
                "message",
                "details",
            }
            assert headers["WWW-Authenticate"].startswith("Bearer"), route
    async with anonymous.request("HEAD", "/warehouses") as head:  # a GET's HEAD is the GET's
        assert head.status == 401
    assert await state(pool) == before


async def test_a_token_without_the_routes_scope_is_a_403_and_its_scope_alone_is_enough(
    admin, anonymous, pool, signer: Signer
):
    calls = await setup(admin, pool)
    before = await state(pool)
    for route, example in calls.items():
        wanted = access.SCOPES[route]
        lacking = signer.mint(DEMO_CUSTOMER, scopes.ALL - {wanted})
        status, body, _ = await send(anonymous, example, lacking)
        assert status == 403, (route, body)
        assert body["error"]["code"] == "forbidden" and wanted in body["error"]["message"]
    assert await state(pool) == before
    for route, example in calls.items():  # the owner of the holds, with only the route's scope
        status, body, _ = await send(anonymous, example, signer.mint(DEMO_CUSTOMER, [access.SCOPES[route]]))
        assert 200 <= status < 300, (route, status, body)


@pytest.mark.parametrize(
    "path", ["/inventory/{p}", "/inventory?product_id={p}", "/openapi.json", "/health", "/ready"]
)
async def test_availability_and_the_service_routes_answer_without_a_token(admin, anonymous, pool, path):
    [p] = await new_products(pool, 5)
    status, _, _ = await send(anonymous, ("GET", path.format(p=p), None))
    assert status == 200


async def test_the_document_declares_each_protected_operation_and_no_public_one(anonymous):
    status, doc, _ = await send(anonymous, ("GET", "/openapi.json", None))
    assert status == 200
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            scope = access.SCOPES.get((method.upper(), path))
            if scope is None:
                assert "security" not in op and "401" not in op["responses"], (method, path)
            else:
                assert op["security"] == [{"bearerAuth": [scope]}], (method, path)
                assert {"401", "403"} <= set(op["responses"]), (method, path)
    assert {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops} >= set(access.SCOPES)
