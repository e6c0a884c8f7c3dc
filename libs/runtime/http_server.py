"""The services' HTTP server: aiohttp's, with the answers it makes itself in the error shape too.

A request aiohttp's HTTP parser refuses (a NUL or control byte in a header, a bad request line or
header name, a bad Content-Length, a line too long) never reaches a handler or a middleware, and
neither does a 500 that escapes the application: aiohttp writes those answers itself, in plain text.
aiohttp has no supported hook for them (aio-libs/aiohttp#3287 is open), so the override is the one
place it makes them, `RequestHandler.handle_error` (and `finish_response`, for the 417 aiohttp
raises before the middlewares run), plus the server and runner that build the handler. tests/unit/runtime/test_http_server.py fails if aiohttp stops going through it.
"""

import asyncio
import signal

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from runtime.http import error_response, http_error_response

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

    async def finish_response(
        self, request: web.BaseRequest, resp: web.StreamResponse, start_time: float | None
    ) -> tuple[web.StreamResponse, bool]:
        # an HTTPException raised before the middlewares run (aiohttp's Expect check, a 417) is
        # answered as it is, in plain text
        if isinstance(resp, web.HTTPException) and resp.status >= 400:
            resp = http_error_response(resp)
        return await super().finish_response(request, resp, start_time)


class _Server(web.Server):
    def __call__(self) -> RequestHandler:
        # web.Server.__call__'s own body (one protocol per connection), with the class above
        return _Protocol(self, loop=self._loop, **self._kwargs)


class AppRunner(web.AppRunner):
    """web.AppRunner whose connections are handled by _Protocol."""

    async def _make_server(self) -> web.Server:
        made = await super()._make_server()  # starts the app, then builds aiohttp's server for it
        return _Server(
            made.request_handler,
            request_factory=made.request_factory,
            handler_cancellation=made.handler_cancellation,
            **made._kwargs,
        )


async def serve(app: web.Application, host: str, port: int, shutdown_timeout: float) -> None:
    """What web.run_app does, on AppRunner: serve until SIGTERM or SIGINT, then shut down in order."""
    runner = AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await web.TCPSite(runner, host, port).start()
        await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await runner.cleanup()
