"""Arbitrary bytes in every query parameter and every header the services read, on both public APIs
(hypothesis, derandomized, bounded): never a 5xx, and every answer that is not a 2xx in the error shape.

Requests go out on a raw socket, since HTTP clients refuse or rewrite many of these bytes. Bytes sent
raw (not percent-encoded) can make a request the HTTP parser itself refuses before any handler runs:
that answer is the server's own 400 `malformed_request` (runtime/http_server.py), in the shape like the
rest; a percent-encoded value always reaches the app.
The routes and their query parameters come from the services' own /openapi.json.
"""

import asyncio
import base64
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote_from_bytes
from uuid import UUID, uuid4

import aiohttp
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.checks import assert_clean
from tests.support.client import Api, order_body
from tests.support.stock import new_product

pytestmark = pytest.mark.e2e
# bounded for a slow shared 2-core machine: a few hundred requests, well under 30 s
PROPERTY = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


async def exchange(port: int, head: bytes, body: bytes = b"", auth: bytes = b"") -> Reply:
    """One request on its own connection, read to the server's close. `auth`: an Authorization line."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        length = f"Content-Length: {len(body)}\r\n".encode() if body else b""
        writer.write(head + b"Host: 127.0.0.1\r\nConnection: close\r\n" + auth + length + b"\r\n" + body)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(-1), 20)
    finally:
        writer.close()
    top, _, payload = raw.partition(b"\r\n\r\n")
    status_line, *lines = top.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return Reply(int(status_line.split(" ")[1]), headers, payload)


def refused_by_the_parser(reply: Reply) -> bool:
    """The server's own 400 for a request its HTTP parser could not read: no handler ran."""
    return reply.status == 400 and reply.json()["error"]["code"] == "malformed_request"


def assert_answered(reply: Reply, request: bytes, *, parser_may_refuse: bool) -> None:
    """Never a 5xx; anything but a 2xx is JSON in the error shape, and only a request sent with raw
    bytes may be one the parser refuses."""
    assert reply.status < 500, (request, reply)
    if 200 <= reply.status < 300:
        return
    assert reply.headers.get("content-type", "").startswith("application/json"), (request, reply)
    body = reply.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, (request, reply)
    assert isinstance(body["error"]["details"], list), (request, reply)
    assert parser_may_refuse or not refused_by_the_parser(reply), (request, reply)


@dataclass(frozen=True)
class Route:
    service: str
    path: str  # with its path parameters filled in
    query: tuple[str, ...]


@dataclass
class Setup:
    ports: dict[str, int]
    routes: list[Route]
    order_body: bytes
    stock_body: bytes
    product: UUID
    auth: bytes  # an operator's Authorization line: the properties are about the other bytes


@pytest_asyncio.fixture(scope="module")
async def setup(stack) -> Setup:
    """Every GET route of both documents with its query parameters, a product and an order to aim at."""
    product = await new_product(stack, 1_000_000, "1.00")
    async with aiohttp.ClientSession(headers=stack.tokens.headers()) as http:
        async with http.put(
            f"{stack.url('inventory')}/warehouses/zz-props", json={"name": "p", "priority": 999}
        ) as r:
            assert r.status in (200, 201), await r.text()  # where the header property's transfers go
        order = await Api(http, stack.url("order"), stack.url("inventory")).place([(product, 1, "1.00")])
        routes = []
        for service in ("order", "inventory"):
            async with http.get(f"{stack.url(service)}/openapi.json") as r:
                doc = await r.json()
            for template, operations in doc["paths"].items():
                if "get" in operations:
                    path = template.replace("{order_id}", str(order)).replace("{product_id}", str(product))
                    names = tuple(
                        p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "query"
                    )
                    routes.append(Route(service, path, names))
    assert {r.service for r in routes if r.query} == {"order", "inventory"}, routes
    return Setup(
        dict(stack.ports),
        routes,
        json.dumps(order_body([(product, 1, "1.00")])).encode(),
        json.dumps({"quantity": 1}).encode(),
        product,
        f"Authorization: Bearer {stack.tokens.admin()}\r\n".encode(),
    )


def _cursor(at: datetime, offset: timedelta, order_id: UUID) -> bytes:
    """The shape of an order cursor, around any time at any UTC offset (the ends of the range too)."""
    return base64.urlsafe_b64encode(f"{at.replace(tzinfo=timezone(offset)).isoformat()}|{order_id}".encode())


ROUTES_SEEN: set[str] = set()
VALUES = st.one_of(
    st.binary(max_size=48),  # any bytes; yarl reads invalid UTF-8 as U+FFFD
    st.text(max_size=24).map(str.encode),  # any text, as UTF-8
    st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=4).map(
        str.encode
    ),  # "²", "１２", "٣"
    st.integers().map(lambda i: str(i).encode()),
    st.builds(
        _cursor,
        st.one_of(st.sampled_from([datetime.min, datetime.max]), st.datetimes()),
        st.timedeltas(-timedelta(hours=23, minutes=59), timedelta(hours=23, minutes=59)),
        st.uuids(),
    ),
)


@settings(PROPERTY, max_examples=300)
@given(value=VALUES, encoded=st.booleans())
async def test_any_bytes_in_any_query_parameter_are_never_a_5xx(
    setup: Setup, value: bytes, encoded: bool
) -> None:
    """Each value goes to every query parameter of every GET route (a route without any gets a made-up
    one, which must be ignored as safely), so no parameter is left to chance."""
    # raw: all but what ends the request line (space, CR, LF) or its query ('#')
    text = quote_from_bytes(value, safe="") if encoded else re.sub(rb"[ \r\n#]", b"", value).decode("latin-1")
    for route in setup.routes:
        for name in route.query or ("x",):
            head = f"GET {route.path}?{name}={text} HTTP/1.1\r\n".encode("latin-1")
            reply = await exchange(setup.ports[route.service], head, auth=setup.auth)
            assert_answered(reply, head, parser_may_refuse=not encoded)
            ROUTES_SEEN.add(route.path)


HEADERS = [  # (header, service, method, path with {product}, body): every header a handler reads
    ("Idempotency-Key", "order", "POST", "/orders", "order"),
    ("Idempotency-Key", "inventory", "POST", "/inventory/{product}/stock", "stock"),
    ("Idempotency-Key", "inventory", "PUT", "/inventory/{product}", "put"),
    ("Idempotency-Key", "inventory", "POST", "/transfers", "transfer"),
    ("Idempotency-Key", "inventory", "POST", "/inventory/batch", "batch"),
    ("Idempotency-Key", "inventory", "POST", "/holds", "hold"),
    ("Content-Type", "order", "POST", "/orders", "order"),
    ("Content-Type", "inventory", "POST", "/transfers", "transfer"),
    ("Content-Type", "inventory", "POST", "/inventory/batch", "batch"),
    ("Content-Type", "inventory", "POST", "/inventory/{product}/stock", "stock"),
    ("Content-Type", "inventory", "PUT", "/inventory/{product}", "put"),
    ("Content-Type", "inventory", "POST", "/holds", "hold"),
    ("Accept", "order", "GET", "/orders", None),
    ("Accept", "inventory", "GET", "/inventory/{product}", None),
    ("Expect", "order", "GET", "/orders", None),  # read by aiohttp itself: anything but 100-continue is a 417
    ("Authorization", "order", "GET", "/orders", None),  # never a good token: a 401 (or the parser's 400)
    ("Authorization", "order", "POST", "/orders", "order"),
]
# what the HTTP parser refuses in a header value: control bytes but the tab (RFC 9110 5.5)
REFUSED_IN_A_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


@PROPERTY
@given(
    case=st.sampled_from(HEADERS),
    value=st.binary(max_size=64).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
)
async def test_any_bytes_in_any_header_are_never_a_5xx(setup: Setup, case, value: bytes) -> None:
    header, service, method, path, body_kind = case
    bodies = {
        "order": setup.order_body,
        "stock": setup.stock_body,
        "put": b'{"name": "p", "quantity": 1000000}',
        # a unit moved from main to the warehouse the setup made; a unit received by a batch
        "transfer": json.dumps(
            {
                "product_id": str(setup.product),
                "from_warehouse": "main",
                "to_warehouse": "zz-props",
                "quantity": 1,
            }
        ).encode(),
        "batch": json.dumps(
            {
                "kind": "receive",
                "warehouse_id": "main",
                "lines": [{"product_id": str(setup.product), "quantity": 1}],
            }
        ).encode(),
        "hold": b'{"items": [{"product_id": "%s", "quantity": 1}], "ttl_s": 1}' % str(setup.product).encode(),
    }
    body = bodies[body_kind] if body_kind else b""
    # a put renames and resets its own product, not the one the order's lines use
    target = path.format(product=uuid4() if body_kind == "put" else setup.product)
    others = b"" if header == "Content-Type" or not body else b"Content-Type: application/json\r\n"
    head = f"{method} {target} HTTP/1.1\r\n".encode() + others + header.encode() + b": " + value + b"\r\n"
    reply = await exchange(setup.ports[service], head, body, b"" if header == "Authorization" else setup.auth)
    assert_answered(reply, head, parser_may_refuse=True)
    if header == "Authorization" and not refused_by_the_parser(reply):
        assert reply.status == 401 and reply.headers["www-authenticate"].startswith("Bearer"), (head, reply)
    # NUL and other control bytes in a header are refused by the HTTP parser, as they must be, and
    # nothing else is
    assert refused_by_the_parser(reply) == bool(REFUSED_IN_A_VALUE.search(value)), (head, reply)
    if header == "Idempotency-Key" and re.fullmatch(rb"[\x21-\x7e]([\x20-\x7e]{0,253}[\x21-\x7e])?", value):
        # any printable key is one the document allows (a stock key seen before replays its 200)
        assert (
            reply.status
            == {"order": 201, "stock": 200, "put": 201, "transfer": 201, "batch": 200, "hold": 201}[body_kind]
        ), (head, reply)
    if (
        header == "Idempotency-Key"
        and value
        and re.search(rb"[^\x20-\x7e\t]", value)
        and not refused_by_the_parser(reply)
    ):
        assert reply.status == 422, (head, reply)


async def test_the_properties_reached_every_route_and_left_the_system_clean(stack, setup: Setup) -> None:
    assert ROUTES_SEEN == {r.path for r in setup.routes}, "the query property must have reached every route"
    await assert_clean(stack, quiet_timeout=120)
