"""The order API behind bearer tokens: no token or a bad one is a 401 with a challenge, a missing scope a
403, and one customer's token neither reads, lists, places nor replays another customer's orders;
an operator (orders:admin) does all of that. /metrics is on its own listener, not the public port."""

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import UUID, uuid4

import aiohttp
import jwt
import pytest
import pytest_asyncio

from runtime.auth import scopes
from stack.supervisor import Stack
from stack.tokens import Signer
from tests.support.client import order_body
from tests.support.stock import PRICE, new_product

pytestmark = pytest.mark.e2e
A, B = uuid4(), uuid4()


@pytest_asyncio.fixture
async def anonymous() -> AsyncIterator[aiohttp.ClientSession]:
    """A client that sends no token unless a request gives one."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


async def call(
    http, stack: Stack, method: str, path: str, token: str | None = None, **kw
) -> tuple[int, dict, dict]:
    headers = {**kw.pop("headers", {}), **({"Authorization": f"Bearer {token}"} if token else {})}
    async with http.request(method, stack.url("order") + path, headers=headers, **kw) as r:
        return r.status, await r.json(), dict(r.headers)


def body_for(customer: UUID, product: UUID) -> dict:
    return order_body([(product, 1, PRICE)], customer_id=customer)


def endpoints(product: UUID) -> list[tuple[str, str, dict]]:
    return [
        ("POST", "/orders", {"json": body_for(A, product)}),
        ("GET", "/orders", {}),
        ("GET", f"/orders/{uuid4()}", {}),
    ]


async def test_every_order_endpoint_wants_a_token(stack: Stack, anonymous) -> None:
    product = await new_product(stack, 10)
    for method, path, kw in endpoints(product):
        status, answer, headers = await call(anonymous, stack, method, path, **kw)
        assert status == 401, (method, path, answer)
        assert answer["error"]["code"] == "unauthorized" and set(answer["error"]) == {
            "code",
            "message",
            "details",
        }
        assert headers["WWW-Authenticate"].startswith("Bearer"), headers
    for path in ("/health", "/ready", "/openapi.json"):  # public
        assert (await call(anonymous, stack, "GET", path))[0] == 200, path


def _alg_none(signer: Signer) -> str:
    claims = jwt.decode(signer.mint(A), options={"verify_signature": False})
    part = lambda d: jwt.utils.base64url_encode(json.dumps(d).encode()).decode()  # noqa: E731
    return f"{part({'alg': 'none', 'typ': 'JWT', 'kid': signer.kid})}.{part(claims)}."


@pytest.fixture(scope="module")
def bad_tokens(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    s, now = stack.tokens, int(time.time())
    return {
        "expired": s.mint(A, ttl_s=-600),
        "not yet valid": s.mint(A, nbf=now + 3600),
        "another key": Signer.at(Path(tmp_path_factory.mktemp("other-key"))).mint(A),
        "alg none": _alg_none(s),
        "wrong issuer": s.mint(A, iss="https://someone-else.example"),
        "wrong audience": s.mint(A, aud="another-api"),
        "customer not a UUID": s.mint("alice"),
        "garbage": "not.a.token",
    }


async def test_a_bad_token_is_a_401_invalid_token(stack: Stack, anonymous, bad_tokens) -> None:
    product = await new_product(stack, 10)
    for name, token in bad_tokens.items():
        for method, path, kw in endpoints(product):
            status, answer, headers = await call(anonymous, stack, method, path, token, **kw)
            assert status == 401, (name, method, path, answer)
            assert answer["error"]["code"] == "unauthorized", (name, answer)
            assert 'error="invalid_token"' in headers["WWW-Authenticate"], (name, headers)


async def test_a_missing_scope_is_a_403_naming_it(stack: Stack, anonymous) -> None:
    product = await new_product(stack, 10)
    reader, writer = stack.tokens.mint(A, [scopes.ORDERS_READ]), stack.tokens.mint(A, [scopes.ORDERS_WRITE])
    status, answer, _ = await call(anonymous, stack, "POST", "/orders", reader, json=body_for(A, product))
    assert (status, answer["error"]["code"]) == (403, "forbidden") and scopes.ORDERS_WRITE in answer["error"][
        "message"
    ]
    for path in ("/orders", f"/orders/{uuid4()}"):
        status, answer, _ = await call(anonymous, stack, "GET", path, writer)
        assert (status, answer["error"]["code"]) == (403, "forbidden"), answer
        assert scopes.ORDERS_READ in answer["error"]["message"]
    placed, _, _ = await call(anonymous, stack, "POST", "/orders", writer, json=body_for(A, product))
    assert placed == 201  # orders:write alone places


async def test_customers_see_only_their_own_orders_and_an_operator_sees_all(stack: Stack, anonymous) -> None:
    product = await new_product(stack, 10)
    # orders:admin alone: it implies orders:read and orders:write
    a, b, admin = (
        stack.tokens.mint(A),
        stack.tokens.mint(B),
        stack.tokens.mint(uuid4(), [scopes.ORDERS_ADMIN]),
    )
    status, placed_a, _ = await call(anonymous, stack, "POST", "/orders", a, json=body_for(A, product))
    assert status == 201, placed_a
    status, placed_b, _ = await call(anonymous, stack, "POST", "/orders", b, json=body_for(B, product))
    assert status == 201, placed_b
    order_a, order_b = placed_a["order_id"], placed_b["order_id"]

    status, answer, _ = await call(anonymous, stack, "GET", f"/orders/{order_b}", a)  # B's: as if unknown
    unknown = await call(anonymous, stack, "GET", f"/orders/{uuid4()}", a)
    assert (status, answer) == (404, unknown[1]) and unknown[0] == 404
    assert (await call(anonymous, stack, "GET", f"/orders/{order_a}", a))[1]["customer_id"] == str(A)

    listed = {
        o["order_id"]: o["customer_id"]
        for o in (await call(anonymous, stack, "GET", "/orders?limit=100", a))[1]["orders"]
    }
    assert order_a in listed and order_b not in listed and set(listed.values()) == {str(A)}

    status, answer, _ = await call(anonymous, stack, "POST", "/orders", a, json=body_for(B, product))
    assert (status, answer["error"]["code"]) == (403, "customer_mismatch"), answer

    for order_id, customer in ((order_a, A), (order_b, B)):
        status, answer, _ = await call(anonymous, stack, "GET", f"/orders/{order_id}", admin)
        assert (status, answer["customer_id"]) == (200, str(customer))
    everyone = {
        o["order_id"] for o in (await call(anonymous, stack, "GET", "/orders?limit=100", admin))[1]["orders"]
    }
    assert {order_a, order_b} <= everyone
    status, answer, _ = await call(anonymous, stack, "POST", "/orders", admin, json=body_for(B, product))
    assert status == 201, answer  # a call centre places for any customer


async def test_an_idempotency_key_is_the_callers_own(stack: Stack, anonymous) -> None:
    product = await new_product(stack, 10)
    a, b = stack.tokens.mint(A), stack.tokens.mint(B)
    key = {"Idempotency-Key": f"checkout-{uuid4()}"}
    first_a = await call(anonymous, stack, "POST", "/orders", a, json=body_for(A, product), headers=key)
    first_b = await call(anonymous, stack, "POST", "/orders", b, json=body_for(B, product), headers=key)
    assert (first_a[0], first_b[0]) == (201, 201), (first_a, first_b)
    assert first_a[1]["order_id"] != first_b[1]["order_id"]  # B's key is not A's: B got its own order
    again_a = await call(anonymous, stack, "POST", "/orders", a, json=body_for(A, product), headers=key)
    again_b = await call(anonymous, stack, "POST", "/orders", b, json=body_for(B, product), headers=key)
    assert (again_a[1]["order_id"], again_b[1]["order_id"]) == (
        first_a[1]["order_id"],
        first_b[1]["order_id"],
    )
    # B cannot probe A's key with A's body: that is another customer's order, refused before any replay
    probe = await call(anonymous, stack, "POST", "/orders", b, json=body_for(A, product), headers=key)
    assert (probe[0], probe[1]["error"]["code"]) == (403, "customer_mismatch")


async def test_the_document_says_which_operations_need_which_scope(stack: Stack, anonymous) -> None:
    _, doc, _ = await call(anonymous, stack, "GET", "/openapi.json")
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    wanted = {
        ("post", "/orders"): scopes.ORDERS_WRITE,
        ("get", "/orders"): scopes.ORDERS_READ,
        ("get", "/orders/{order_id}"): scopes.ORDERS_READ,
    }
    for (method, path), scope in wanted.items():
        operation = doc["paths"][path][method]
        assert operation["security"] == [{"bearerAuth": [scope]}]
        assert {"401", "403"} <= set(operation["responses"])


async def test_metrics_are_on_their_own_listener_not_the_public_port(stack: Stack, anonymous) -> None:
    for service in ("order", "payment"):
        async with anonymous.get(stack.url(service) + "/metrics") as r:
            assert r.status == 404, service
        async with anonymous.get(stack.metrics_url(service)) as r:
            assert r.status == 200 and "saga_events_consumed_total" in await r.text(), service
    # with METRICS_TOKEN, the public port serves them to that token only
    await stack.stop("payment")
    await stack.start("payment", {"METRICS_TOKEN": "scrape-me"})
    async with anonymous.get(stack.url("payment") + "/metrics") as r:
        assert r.status == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    async with anonymous.get(
        stack.url("payment") + "/metrics", headers={"Authorization": "Bearer scrape-me"}
    ) as r:
        assert r.status == 200 and "saga_events_consumed_total" in await r.text()
