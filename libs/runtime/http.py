"""HTTP plumbing shared by the services: one error shape, JSON in and out, health, readiness."""

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import asyncpg
import orjson
from aiohttp import web
from pydantic import BaseModel, BeforeValidator, Strict, ValidationError

from runtime import metrics
from runtime.db import DB_UNAVAILABLE
from runtime.params import InvalidParameter

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
ReadinessCheck = Callable[[web.Application], Awaitable[Any]]
READINESS: web.AppKey[dict[str, ReadinessCheck]] = web.AppKey("readiness", dict)
MAX_BODY_BYTES = 64 * 1024  # the application's body limit; read_model takes a larger one per route
BODY: web.RequestKey[bytes] = web.RequestKey("body", bytes)  # the body as read_model or body() read it
# a dependency that is down, restarting, out of connections or slow: 503, never 500
_UNAVAILABLE = (*DB_UNAVAILABLE, asyncio.TimeoutError, asyncpg.LockNotAvailableError)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[Any] | None = None,
        headers: dict[str, str] | None = None,  # sent with the error (a 401's WWW-Authenticate)
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []
        self.headers = headers or {}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=orjson.dumps(data, default=str),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def error_response(status: int, code: str, message: str, details: list[Any] | None = None) -> web.Response:
    return json_response({"error": {"code": code, "message": message, "details": details or []}}, status)


async def read_model(request: web.Request, model: type[M], max_bytes: int = MAX_BODY_BYTES) -> M:
    """The body as `model`: 415 wrong content type, 413 over `max_bytes`, 400 malformed JSON, 422 invalid.

    JSON numbers with a fraction are read as exact decimals, so 49.90 is money, not a float. A route
    whose bodies may be larger than the application's MAX_BODY_BYTES (a batch) passes its own
    `max_bytes`; the body is then read through a clone of the request with that limit (aiohttp's way
    of changing it for one request) and kept under BODY, where `body(request)` finds it again.
    """
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Content-Type must be application/json")
    try:
        raw = await body(request, max_bytes)
    except web.RequestPayloadError:  # the parser could not read the body: bad chunks, a bad gzip stream
        raise ApiError(400, "malformed_request", "request body could not be read as sent") from None
    try:
        data = json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, "malformed_json", f"request body is not valid JSON: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {"field": ".".join(map(str, e["loc"])), "message": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False, include_input=False, include_context=False)
        ]
        raise ApiError(422, "validation_failed", "request body failed validation", details) from None


async def body(request: web.Request, max_bytes: int | None = None) -> bytes:
    """The request's body, read once: what read_model read (whatever its limit), else read now within
    `max_bytes` (the application's client_max_size if None; 413 beyond it). Code that needs the raw
    body after read_model reads it here, never with request.read(), which a clone left empty."""
    if BODY in request:
        return request[BODY]
    limit = request.client_max_size if max_bytes is None else max_bytes
    reader = request if limit == request.client_max_size else request.clone(client_max_size=limit)
    request[BODY] = await reader.read()
    return request[BODY]


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _whole(value: Any) -> Any:
    """read_model reads 4.0 and 4E0 as Decimal; to JSON Schema they are the integer 4. Past 18 digits
    the value is left as it is, refused as not an integer, so 1E999999999 never becomes a Python int."""
    if (
        isinstance(value, Decimal)
        and value.is_finite()
        and value.adjusted() < 19
        and value == value.to_integral_value()
    ):
        return int(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return int(value)
    return value


# an integer as JSON Schema's "integer" means it: 4 and 4.0, never true, "4" or 4.5
JsonInt = Annotated[int, Strict(), BeforeValidator(_whole)]


@web.middleware
async def error_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "unmatched"
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except ApiError as exc:
        status = exc.status
        response = error_response(exc.status, exc.code, exc.message, exc.details)
        response.headers.update(exc.headers)
        return response
    except InvalidParameter as exc:
        status = 422
        return error_response(422, exc.code, exc.message, [{"field": exc.field, "message": exc.message}])
    except web.HTTPException as exc:
        status = exc.status
        if exc.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status, "http_error"
        )
        response = error_response(exc.status, code, exc.reason)
        if "Allow" in exc.headers:  # a 405 must say which methods the resource has (RFC 9110 15.5.6)
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except _UNAVAILABLE as exc:
        status = 503
        log.warning("dependency unavailable", extra={"error": repr(exc), "path": request.path})
        return error_response(503, "unavailable", "a dependency is unavailable, retry later")
    except Exception:
        log.exception("unhandled error", extra={"path": request.path})
        return error_response(500, "internal", "internal error")
    finally:
        metrics.HTTP_REQUESTS.labels(request.method, route, str(status)).inc()
        metrics.HTTP_SECONDS.labels(request.method, route).observe(time.perf_counter() - started)


async def health(request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    results: dict[str, str] = {}
    for name, check in request.app[READINESS].items():
        try:
            async with asyncio.timeout(2):
                await check(request.app)
            results[name] = "ok"
        except Exception as exc:
            results[name] = f"unavailable: {type(exc).__name__}"
    ok = all(v == "ok" for v in results.values())
    return json_response({"status": "ready" if ok else "not_ready", "checks": results}, 200 if ok else 503)


def base_app() -> web.Application:
    app = web.Application(middlewares=[error_middleware], client_max_size=MAX_BODY_BYTES)
    app[READINESS] = {}
    app.router.add_get("/health", health)
    app.router.add_get("/ready", ready)
    return app
