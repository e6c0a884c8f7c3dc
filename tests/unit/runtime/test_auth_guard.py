"""authorize() on an aiohttp route, and /metrics on the API port: the 401s, the 403 and their headers."""

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from order.settings import OrderSettings
from runtime import metrics_http
from runtime.auth import guard, scopes
from runtime.http import base_app, json_response
from stack.tokens import Signer


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> Signer:
    return Signer.at(tmp_path_factory.mktemp("auth"))


@pytest_asyncio.fixture
async def client(signer: Signer) -> AsyncIterator[TestClient]:
    async def read(request: web.Request) -> web.Response:
        p = await guard.authorize(request, scopes.ORDERS_READ)
        again = await guard.authorize(request, scopes.ORDERS_READ)  # kept on the request
        return json_response({"customer_id": p.customer_id, "same": p is again})

    app = base_app()
    guard.install(app, OrderSettings(**{k.lower(): v for k, v in signer.env().items()}))
    app.router.add_get("/private", read)
    app.router.add_get(metrics_http.PATH, metrics_http.guarded("s3cret"))
    async with TestClient(TestServer(app)) as c:
        yield c


async def test_a_token_with_the_scope_is_let_through(client: TestClient, signer: Signer) -> None:
    r = await client.get("/private", headers=signer.headers(signer.mint(scopes=[scopes.ORDERS_READ])))
    assert r.status == 200
    assert (await r.json())["same"] is True


@pytest.mark.parametrize("authorization", [None, "Basic dXNlcjpwdw=="])
async def test_no_bearer_token_is_a_401_with_a_challenge(
    client: TestClient, authorization: str | None
) -> None:
    r = await client.get("/private", headers={"Authorization": authorization} if authorization else {})
    assert r.status == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer ")
    assert "invalid_token" not in r.headers["WWW-Authenticate"]
    assert (await r.json())["error"]["code"] == "unauthorized"


async def test_a_bad_token_is_a_401_invalid_token(client: TestClient, signer: Signer) -> None:
    r = await client.get("/private", headers=signer.headers(signer.mint(ttl_s=-120)))
    assert r.status == 401
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    body = await r.json()
    assert body["error"]["code"] == "unauthorized" and "expired" in body["error"]["message"]


async def test_a_token_without_the_scope_is_a_403_naming_it(client: TestClient, signer: Signer) -> None:
    r = await client.get("/private", headers=signer.headers(signer.mint(scopes=[scopes.ORDERS_WRITE])))
    assert r.status == 403
    body = await r.json()
    assert body["error"]["code"] == "forbidden" and scopes.ORDERS_READ in body["error"]["message"]
    assert body["error"]["details"] == [
        {"scope": scopes.ORDERS_READ, "message": f"the scope {scopes.ORDERS_READ} is required"}
    ]


async def test_metrics_on_the_api_port_need_the_metrics_token(client: TestClient) -> None:
    assert (await client.get("/metrics")).status == 401
    assert (await client.get("/metrics", headers={"Authorization": "Bearer nope"})).status == 401
    r = await client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    assert r.status == 200 and "http_requests_total" in await r.text()


async def test_metrics_are_not_on_the_api_port_without_a_token() -> None:
    async with TestClient(TestServer(base_app())) as c:
        r = await c.get("/metrics")
        assert r.status == 404


def test_the_signer_keeps_its_key_private(signer: Signer) -> None:
    key = Path(signer.directory) / "signing-key.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    assert Signer.at(signer.directory).kid == signer.kid  # made once, reused


@pytest.mark.parametrize("service", ["order", "payment"])
def test_a_service_without_a_jwks_refuses_to_start_saying_why(service: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTH_")}
    done = subprocess.run(
        [str(Path(sys.executable).parent / f"{service}-service")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert "AUTH_JWKS_URL" in done.stderr and "AUTH_JWKS_FILE" in done.stderr, done.stderr
