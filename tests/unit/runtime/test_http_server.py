"""The services' HTTP server (runtime/http_server.py): what aiohttp answers on its own (a request its
parser refuses, a 500 that escaped the application, the 417 of its Expect check) comes in the error
shape, over a raw socket on an in-process server. These pin the override of aiohttp's private
request handler: if aiohttp stops calling `handle_error`, or builds its protocol or checks `Expect`
another way, they fail."""

import asyncio
import gzip
import json
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from pydantic import BaseModel

from runtime.http import base_app, json_response, read_model
from runtime.http_server import AppRunner
from stack.supervisor import free_port
from stack.wait import eventually

pytestmark = pytest.mark.asyncio


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def error(self) -> dict[str, Any]:
        assert self.headers["content-type"].startswith("application/json"), self
        body = json.loads(self.body)
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
        assert isinstance(body["error"]["details"], list), body
        return dict(body["error"])


class Item(BaseModel):
    quantity: int


async def _item(request: web.Request) -> web.Response:
    return json_response((await read_model(request, Item)).model_dump())


async def _raises(request: web.Request) -> web.Response:
    raise RuntimeError("a bug past every middleware")


async def _serve(app: web.Application) -> AsyncIterator[int]:
    runner = AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture
async def port() -> AsyncIterator[int]:
    """A service's app as base_app makes it, with a route that reads a body."""
    app = base_app()
    app.router.add_post("/items", _item)
    async for p in _serve(app):
        yield p


@pytest_asyncio.fixture
async def bare_port() -> AsyncIterator[int]:
    """An app without the error middleware, so an exception reaches aiohttp's own 500."""
    app = web.Application()
    app.router.add_get("/raises", _raises)
    async for p in _serve(app):
        yield p


async def exchange(port: int, request: bytes) -> Reply:
    """The request as bytes, the reply read until the server closes: no `Connection: close` is sent,
    so a reply that arrives at all shows the server closed the connection itself."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(-1), 10)
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return Reply(int(status_line.split(" ")[1]), headers, body)


REFUSED_BY_THE_PARSER = {
    "NUL in a header value": b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
    "a control byte in the request line": b"GET /hea\x01lth HTTP/1.1\r\nHost: x\r\n\r\n",
    "a header name with a space": b"GET /health HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n",
    "a Content-Length that is not a number": b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n{}",
    "two Content-Lengths": b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    "a header line over 8190 bytes": b"GET /health HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 9000 + b"\r\n\r\n",
    "a request line over 8190 bytes": b"GET /health?" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "TLS on the HTTP port": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    "an unknown HTTP version": b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
    "a bad chunk size": b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("case", list(REFUSED_BY_THE_PARSER))
async def test_a_request_the_parser_refuses_is_a_400_in_the_shape(port: int, case: str) -> None:
    reply = await exchange(port, REFUSED_BY_THE_PARSER[case])
    assert reply.status == 400, reply
    error = reply.error()
    assert error["code"] == "malformed_request", error
    # the parser's reason, without the bytes it quotes
    assert [set(d) for d in error["details"]] == [{"message"}] and "\\x" not in error["details"][0][
        "message"
    ], error


async def test_a_body_the_parser_cannot_read_is_a_400_not_a_500(port: int) -> None:
    """Content-Encoding: gzip over bytes that are not gzip: read_model met aiohttp's payload error."""
    body = b"not gzip at all"
    reply = await exchange(
        port,
        b"POST /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body,
    )
    assert reply.status == 400 and reply.error()["code"] == "malformed_request", reply


async def test_a_gzip_body_is_still_read(port: int) -> None:
    body = gzip.compress(b'{"quantity": 3}')
    reply = await exchange(
        port,
        b"POST /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body,
    )
    assert (reply.status, json.loads(reply.body)) == (200, {"quantity": 3}), reply


async def test_a_body_over_the_limit_is_a_413_in_the_shape(port: int) -> None:
    body = b" " * (64 * 1024 + 1)
    reply = await exchange(
        port,
        b"POST /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body,
    )
    assert reply.status == 413 and reply.error()["code"] == "payload_too_large", reply


@pytest.mark.parametrize("path", ["/health", "/nowhere"])
@pytest.mark.parametrize("value", [b"x", b"\x80"])  # aiohttp's own answers: a plain-text 417, a 500
async def test_an_unknown_expectation_is_a_417_in_the_shape(port: int, path: str, value: bytes) -> None:
    reply = await exchange(
        port,
        f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: ".encode() + value + b"\r\n\r\n",
    )
    assert reply.status == 417 and reply.error()["code"] == "expectation_failed", reply


async def test_expect_100_continue_is_still_served(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            b"POST /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: 100-continue\r\n"
            b"Content-Type: application/json\r\nContent-Length: 15\r\n\r\n"
        )
        await writer.drain()
        assert await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10) == b"HTTP/1.1 100 Continue\r\n\r\n"
        writer.write(b'{"quantity": 3}')
        raw = await asyncio.wait_for(reader.read(-1), 10)
    finally:
        writer.close()
    assert raw.startswith(b"HTTP/1.1 200") and raw.endswith(b'{"quantity":3}'), raw


async def test_a_500_past_the_middlewares_is_in_the_shape(bare_port: int) -> None:
    reply = await exchange(bare_port, b"GET /raises HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.status == 500 and reply.error()["code"] == "internal", reply
    assert reply.headers.get("connection", "").lower() == "close", reply


async def test_a_well_formed_request_keeps_its_connection(port: int) -> None:
    """Two requests on one connection: the override changes only the answers aiohttp makes itself."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(2):
            writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            assert head.startswith(b"HTTP/1.1 200"), head
            length = next(
                int(v)
                for k, _, v in (line.partition(b":") for line in head.split(b"\r\n"))
                if k.lower() == b"content-length"
            )
            assert json.loads(await reader.readexactly(length)) == {"status": "ok"}
    finally:
        writer.close()


SERVE = """
import asyncio, sys
from runtime.http import base_app
from runtime.http_server import serve

async def cleanup(app):
    print("cleaned up", flush=True)

app = base_app()
app.on_cleanup.append(cleanup)
asyncio.run(serve(app, "127.0.0.1", int(sys.argv[1]), 5))
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_serve_answers_until_a_signal_then_cleans_up_and_exits_0(sig: signal.Signals) -> None:
    """serve() stands in for web.run_app in every service: a stop signal is a clean exit, not an error."""
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVE, str(port), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:

        async def healthy() -> bool:
            return (
                await exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            ).status == 200

        await eventually(healthy, timeout=20, message="serve() answering /health")
        proc.send_signal(sig)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert (proc.returncode, out) == (0, b"cleaned up\n"), err.decode(errors="replace")
