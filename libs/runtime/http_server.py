"""The services' HTTP server: aiohttp's, with the answers it makes itself in the error shape too.

A request aiohttp's HTTP parser refuses (a NUL or control byte in a header, a bad request line or
header name, a bad Content-Length, a line too long) never reaches a handler or a middleware, and
neither does a 500 that escapes the application: aiohttp writes those answers itself, in plain text.
aiohttp has no supported hook for them (aio-libs/aiohttp#3287 is open), so the override is the one
place it makes them, `RequestHandler.handle_error`, plus the server and runner that build the
handler. The runner also answers an `Expect` aiohttp does not know, which aiohttp refuses before the
middlewares run (in plain text, and with a 500 when the value is not UTF-8).
tests/unit/runtime/test_http_server.py fails if aiohttp stops going through these.
"""

import asyncio
import signal
from collections.abc import Awaitable, Callable

from aiohttp import hdrs, web
from aiohttp.http import HttpVersion11
from aiohttp.web_protocol import RequestHandler

from runtime.http import error_response
from runtime.metrics_http import metrics_app

_Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]

# status -> (code, message) for what aiohttp answers on its own: a parse error is always its 400
_ANSWERS = {
    400: ("malformed_request", "the request is not well-formed HTTP"),
    500: ("internal", "internal error"),
    504: ("timeout", "the request timed out"),
}


class _Protocol(RequestHandler):
    __slots__ = ()

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        # aiohttp's own: its log line, and ConnectionError if part of an answer was already sent
        super().handle_error(request, status, exc, message)
        code, text = _ANSWERS.get(status, ("http_error", "the request could not be answered"))
        # the parser's reason, without the bytes it quotes after the colon
        reason = (message or "").split("\n", 1)[0].split(":", 1)[0].strip()[:120] if status == 400 else ""
        response = error_response(status, code, text, [{"message": reason}] if reason else [])
        response.force_close()  # as aiohttp does: after a message it could not read, the stream is lost
        return response


class _Server(web.Server):
    def __call__(self) -> RequestHandler:
        # web.Server.__call__'s own body (one protocol per connection), with the class above
        return _Protocol(self, loop=self._loop, **self._kwargs)


def _expectations(handler: _Handler) -> _Handler:
    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        # what aiohttp's default expect handler would refuse, refused here in the shape, before it runs
        expect = request.headers.get(hdrs.EXPECT)
        if expect and request.version == HttpVersion11 and expect.lower() != "100-continue":
            return error_response(417, "expectation_failed", "the only expectation served is 100-continue")
        return await handler(request)

    return handle


class AppRunner(web.AppRunner):
    """web.AppRunner whose connections are handled by _Protocol."""

    async def _make_server(self) -> web.Server:
        made = await super()._make_server()  # starts the app, then builds aiohttp's server for it
        return _Server(
            _expectations(made.request_handler),
            request_factory=made.request_factory,
            handler_cancellation=made.handler_cancellation,
            **made._kwargs,
        )


async def serve(
    app: web.Application,
    host: str,
    port: int,
    shutdown_timeout: float,
    metrics: tuple[str, int] | None = None,
) -> None:
    """What web.run_app does, on AppRunner: serve until SIGTERM or SIGINT, then shut down in order.
    `metrics`: (host, port) of the /metrics listener, started once the application is up."""
    runner = AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    metrics_runner = web.AppRunner(metrics_app(), access_log=None) if metrics else None
    if metrics_runner:
        await metrics_runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await web.TCPSite(runner, host, port).start()
        if metrics_runner and metrics:
            await web.TCPSite(metrics_runner, *metrics).start()
        await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        if metrics_runner:
            await metrics_runner.cleanup()
        await runner.cleanup()
