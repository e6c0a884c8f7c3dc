"""Malformed HTTP: schemathesis against both public APIs' /openapi.json (seeded, bounded), then the
hand cases of TESTING.md's list that the order API tests (tests/e2e/test_order_api.py) leave out: NUL
bytes in headers, paths and query strings, 2^63 in the inventory API, deep nesting, the largest order
the API accepts, one Idempotency-Key raced with two different bodies, and the inputs that were 500s
(issue 14: "²" as a limit or cursor, order cursors outside PostgreSQL's years, an Idempotency-Key that
is not UTF-8; tests/e2e/test_http_properties.py throws arbitrary bytes at every parameter and header).
Every answer is a 4xx with the error shape (or the 2xx the schema promises), never a 5xx; the system is
clean afterwards.
"""

import asyncio
import base64
import json
import os
import re
import sys
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from tests.fault.effects import duplicated
from tests.fault.figures import Figures
from tests.fault.orders import Orders
from tests.support.checks import assert_clean
from tests.support.client import order_body
from tests.support.stock import PRICE, new_product

pytestmark = pytest.mark.e2e
SEED = int(os.environ.get("FAULT_SEED", "4242"))
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
# ignored_auth: an operation the document secures is also sent without the token, and must refuse it
CHECKS = (
    "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,"
    "ignored_auth"
)
ST = Path(sys.executable).parent / "st"


async def _schemathesis(base_url: str, workdir: Path, token: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        str(ST),
        "run",
        f"{base_url}/openapi.json",
        "--url",
        base_url,
        "--header",
        f"Authorization: Bearer {token}",  # an operator's: every scope, so the generated cases reach the API
        "--checks",
        CHECKS,
        # one worker: deterministic order, and CPython 3.11's ast.parse is not thread-safe (hypothesis
        # parses lambda sources, and two worker threads at once crash it: "AST constructor recursion
        # depth mismatch"), which schemathesis reports as a runtime error of its own
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "1",
        "--no-color",
        "--request-timeout",
        "10",
        "--generation-database",
        "none",
        cwd=workdir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 240)
    return proc.returncode, out.decode(errors="replace")


@pytest.mark.parametrize("service", ["order", "inventory"])
async def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    shared_stack, figures: Figures, tmp_path: Path, service: str
) -> None:
    print(f"FAULT_SEED={SEED} SCHEMATHESIS_MAX_EXAMPLES={MAX_EXAMPLES}")
    code, output = await _schemathesis(shared_stack.url(service), tmp_path, shared_stack.tokens.admin())
    assert code == 0, f"schemathesis (seed {SEED}) against the {service} API:\n{output[-6000:]}"
    await assert_clean(shared_stack, quiet_timeout=120)
    figures.faults = _cases(output)
    figures.lost, figures.duplicated = 0, await duplicated(shared_stack)
    figures.notes = {"api": service, "seed": SEED, "summary": output.strip().splitlines()[-1][:200]}


def _cases(output: str) -> int:
    """The number of test cases schemathesis generated, from its summary (0 if that changes shape)."""
    found = re.search(r"(\d+) generated", output)
    return int(found.group(1)) if found else 0


async def _request(
    http, method: str, url: str, body: bytes | None = None, headers=None
) -> tuple[int, dict | str]:
    async with http.request(method, url, data=body, headers=headers or {}) as r:
        text = await r.text()
        try:
            return r.status, json.loads(text)
        except ValueError:
            return r.status, text


def _refused(status: int, body, expected: int | tuple[int, ...]) -> None:
    expected = (expected,) if isinstance(expected, int) else expected
    assert status in expected, (status, body)
    assert isinstance(body, dict) and set(body["error"]) == {"code", "message", "details"}, body


async def _raw(port: int, request: bytes) -> bytes:
    """Bytes straight onto the socket: things an HTTP client library refuses to send."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), 10)
    finally:
        writer.close()


async def test_nul_bytes_anywhere_are_refused_never_a_500(shared_stack, http, figures: Figures) -> None:
    order, inventory = shared_stack.url("order"), shared_stack.url("inventory")
    product = await new_product(shared_stack, 5, "1.00")
    json_headers = {"Content-Type": "application/json"}
    cases = {
        "NUL in the order id": ("GET", f"{order}/orders/%00", None, 404),
        "NUL in status": ("GET", f"{order}/orders?status=%00", None, 422),
        "NUL in cursor": ("GET", f"{order}/orders?cursor=%00", None, 422),
        "NUL in limit": ("GET", f"{order}/orders?limit=1%00", None, 422),
        "NUL in the product id": ("GET", f"{inventory}/inventory/%00", None, 404),
        "NUL in a product name": (
            "PUT",
            f"{inventory}/inventory/{uuid4()}",
            json.dumps({"name": "a\x00b", "quantity": 1}).encode(),
            422,
        ),
        "NUL in a stock reason": (
            "POST",
            f"{inventory}/inventory/{product}/stock",
            json.dumps({"kind": "adjust", "quantity": -1, "reason": "\x00"}).encode(),
            422,
        ),
    }
    for name, (method, url, body, expected) in cases.items():
        status, answer = await _request(http, method, url, body, json_headers if body else None)
        _refused(status, answer, expected)
        print(f"{name}: {status}")
    # a NUL in a header never reaches the application: the HTTP parser refuses the request
    port = shared_stack.ports["order"]
    body = json.dumps(order_body([(product, 1, "1.00")])).encode()
    raw = await _raw(
        port,
        b"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Idempotency-Key: a\x00b\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body,
    )
    _refused_by_the_parser(raw)
    await assert_clean(shared_stack)
    figures.faults, figures.lost, figures.duplicated = len(cases) + 1, 0, await duplicated(shared_stack)


def _refused_by_the_parser(raw: bytes) -> None:
    """The server's own 400 for a request its HTTP parser refused, in the error shape, connection closed."""
    head, _, payload = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.split(b"\r\n")
    assert status_line in (b"HTTP/1.0 400 Bad Request", b"HTTP/1.1 400 Bad Request"), raw[:300]
    assert b"content-type: application/json" in (line.lower() for line in lines), raw[:300]
    _refused(400, json.loads(payload), 400)
    assert json.loads(payload)["error"]["code"] == "malformed_request", raw[:300]


# requests aiohttp's HTTP parser refuses before any handler or middleware runs (issue 14: they were
# its plain-text 400, outside the error shape)
REFUSED_BY_THE_PARSER = {
    "NUL in a header value": b"GET /health HTTP/1.1\r\nHost: x\r\nX-Trace: a\x00b\r\n\r\n",
    "a control byte in the request line": b"GET /hea\x01lth HTTP/1.1\r\nHost: x\r\n\r\n",
    "a header name with a space": b"GET /health HTTP/1.1\r\nHost: x\r\nX Trace: a\r\n\r\n",
    "a bad Content-Length": b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n{}",
}


@pytest.mark.parametrize("case", list(REFUSED_BY_THE_PARSER))
@pytest.mark.parametrize("service", ["order", "inventory", "payment", "shipping"])
async def test_a_request_the_http_parser_refuses_is_a_400_in_the_shape(
    shared_stack, service: str, case: str
) -> None:
    """Read until the server closes (no `Connection: close` is sent): an answer shows it closed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", shared_stack.ports[service])
    try:
        writer.write(REFUSED_BY_THE_PARSER[case])
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(-1), 10)
    finally:
        writer.close()
    _refused_by_the_parser(raw)


async def test_huge_numbers_and_deep_nesting_are_refused(shared_stack, http, figures: Figures) -> None:
    order, inventory = shared_stack.url("order"), shared_stack.url("inventory")
    product = await new_product(shared_stack, 5, "1.00")
    deep = b"[" * 20_000 + b"]" * 20_000
    cases = {
        "stock 2^63": ("PUT", f"{inventory}/inventory/{uuid4()}", {"name": "x", "quantity": 2**63}, 422),
        "stock -1": ("PUT", f"{inventory}/inventory/{uuid4()}", {"name": "x", "quantity": -1}, 422),
        "receipt 2^63": ("POST", f"{inventory}/inventory/{product}/stock", {"quantity": 2**63}, 422),
        "receipt -2^63": (
            "POST",
            f"{inventory}/inventory/{product}/stock",
            {"kind": "adjust", "quantity": -(2**63), "reason": "r"},
            422,
        ),
        "order quantity 2^64": (
            "POST",
            f"{order}/orders",
            {
                **order_body([(product, 1, "1.00")]),
                "items": [{"product_id": str(product), "quantity": 2**64, "unit_price": 1}],
            },
            422,
        ),
        "unit price 1e400": ("POST", f"{order}/orders", None, 422),
        "limit 2^63": ("GET", f"{order}/orders?limit={2**63}", None, 422),
    }
    for name, (method, url, payload, expected) in cases.items():
        body = json.dumps(payload).encode() if payload is not None else None
        if name == "unit price 1e400":
            body = json.dumps(order_body([(product, 1, "1.00")])).replace("1.0", "1e400").encode()
        status, answer = await _request(
            http, method, url, body, {"Content-Type": "application/json"} if body else None
        )
        _refused(status, answer, expected)
    for url in (f"{order}/orders", f"{inventory}/inventory/{product}/stock"):
        status, answer = await _request(http, "POST", url, deep, {"Content-Type": "application/json"})
        _refused(status, answer, 400)
    await assert_clean(shared_stack)
    figures.faults, figures.lost, figures.duplicated = len(cases) + 2, 0, await duplicated(shared_stack)


async def test_the_largest_order_the_api_accepts_completes_its_saga(
    shared_stack, http, figures: Figures
) -> None:
    """Every bound of the schema at once (100 lines of 10000 units at 1000000.00, a product priced so):
    the total is far above the approval limit, so the order must end PAYMENT_FAILED, not stuck on a
    number too wide for a column somewhere down the saga."""
    orders = Orders(http, shared_stack)
    dearest = await new_product(shared_stack, 1, "1000000.00")
    body = order_body([(dearest, 10_000, "1000000.00") for _ in range(100)])
    async with http.post(f"{shared_stack.url('order')}/orders", json=body) as r:
        answer = await r.json()
        assert r.status == 201, answer
    orders.expected[UUID(answer["order_id"])] = "PAYMENT_FAILED"
    await orders.settled(60)
    assert await orders.final_statuses() == orders.expected
    await assert_clean(shared_stack)
    figures.orders, figures.lost, figures.duplicated = 1, await orders.lost(), await duplicated(shared_stack)


async def test_one_idempotency_key_raced_with_two_bodies_makes_one_order(
    shared_stack, http, figures: Figures
) -> None:
    product = await new_product(shared_stack, 10)
    url = f"{shared_stack.url('order')}/orders"
    results = []
    for round_ in range(10):
        key = f"race-{uuid4()}"
        bodies = [order_body([(product, 1, PRICE)]), order_body([(product, 2, PRICE)])]

        async def post(body, key=key) -> tuple[int, dict]:
            async with http.post(url, json=body, headers={"Idempotency-Key": key}) as r:
                return r.status, await r.json()

        a, b = await asyncio.gather(*(post(body) for body in bodies))
        statuses = sorted([a[0], b[0]])
        assert statuses == [201, 409], (round_, a, b)
        loser = a if a[0] == 409 else b
        assert loser[1]["error"]["code"] == "idempotency_key_reused"
        winner = a if a[0] == 201 else b
        again = await post(bodies[0] if winner is a else bodies[1])
        assert again == (201, winner[1]), "the same key and body must return the same order"
        results.append(UUID(winner[1]["order_id"]))
    assert len(set(results)) == 10
    orders = Orders(http, shared_stack)
    orders.expected.update(dict.fromkeys(results, "CONFIRMED"))
    await orders.settled(60)
    await assert_clean(shared_stack)
    figures.orders, figures.faults = len(results), 2 * len(results)
    figures.lost, figures.duplicated = await orders.lost(), await duplicated(shared_stack)


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


# each of these was a 500 (issue 14): "²".isdigit() is True and int("²") raises; a timestamp that
# Python parses but PostgreSQL's timestamptz cannot hold once in UTC
FORMER_500S = {
    "movements limit=²": ("inventory", "/inventory/{product}/movements?limit=%C2%B2"),
    "movements cursor=²": ("inventory", "/inventory/{product}/movements?cursor=%C2%B2"),
    "orders cursor at year 1 +14:00": (
        "order",
        "/orders?cursor=" + _cursor(f"0001-01-01T00:00:00+14:00|{uuid4()}"),
    ),
    "orders cursor at 9999 -14:00": (
        "order",
        "/orders?cursor=" + _cursor(f"9999-12-31T23:59:59-14:00|{uuid4()}"),
    ),
}


@pytest.mark.parametrize("case", list(FORMER_500S))
async def test_a_query_that_was_a_500_is_a_422(shared_stack, http, case: str) -> None:
    service, path = FORMER_500S[case]
    product = await new_product(shared_stack, 1)
    status, answer = await _request(http, "GET", shared_stack.url(service) + path.format(product=product))
    _refused(status, answer, 422)
    assert answer["error"]["details"][0]["field"] in ("limit", "cursor"), answer


async def test_an_idempotency_key_of_invalid_utf8_is_a_422(shared_stack) -> None:
    product = await new_product(shared_stack, 1, "1.00")
    body = json.dumps(order_body([(product, 1, "1.00")])).encode()
    raw = await _raw(
        shared_stack.ports["order"],
        b"POST /orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + f"Authorization: Bearer {shared_stack.tokens.admin()}\r\n".encode()
        + b"Content-Type: application/json\r\nIdempotency-Key: k\xff\xfe\xc0\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body,
    )
    head, _, payload = raw.partition(b"\r\n\r\n")
    assert head.split(b"\r\n", 1)[0].split(b" ")[1] == b"422", raw[:300]
    _refused(422, json.loads(payload), 422)
    await assert_clean(shared_stack)
