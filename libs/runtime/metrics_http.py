"""`/metrics` (Prometheus) off the public port: a listener of its own on METRICS_HOST:METRICS_PORT, and
on the API's port only to `Authorization: Bearer <METRICS_TOKEN>` when that is set (404 otherwise)."""

import hmac

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from runtime.http import ApiError

PATH = "/metrics"


async def metrics_endpoint(request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def metrics_app() -> web.Application:
    """The metrics listener's application: `/metrics` and nothing else."""
    app = web.Application()
    app.router.add_get(PATH, metrics_endpoint)
    return app


def guarded(token: str) -> Handler:
    """`/metrics` for the API's port: only to a request bearing `token` (compared in constant time)."""
    expected = f"Bearer {token}".encode()

    async def endpoint(request: web.Request) -> web.StreamResponse:
        given = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, expected):
            raise ApiError(
                401,
                "unauthorized",
                "/metrics on this port needs Authorization: Bearer <METRICS_TOKEN>",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        return await metrics_endpoint(request)

    return endpoint
