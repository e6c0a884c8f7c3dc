"""Idempotency-Key for any HTTP write: the key is claimed in the write's own transaction and its answer
stored before the COMMIT, so a retry gets the first answer and the write happens once.

A route opens `unit_of_work(request, pool)` where it opened `UnitOfWork(pool)`; with a key, its
`commit()` waits for the route's answer, which `middleware` (installed by create_app) stores with the
COMMIT. A claim is (scope, operation, key), the operation the method and the path as requested: one key
on two endpoints or two products is two claims. An uncommitted write (refused, failed) rolls its claim
back with it, leaving the key free. The rules in full: docs/design.md, "Inventory service".
"""

import hashlib
from types import TracebackType
from typing import Self
from urllib.parse import quote

import asyncpg
import orjson
from aiohttp import web
from aiohttp.typedefs import Handler

from messaging.outbox import OnCommit
from messaging.unit_of_work import UnitOfWork
from runtime import http, params
from runtime.http import ApiError

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY = 255
PARAMETER = {"name": HEADER, "in": "header", "required": False, "schema": params.header_schema(MAX_KEY)}
_PATH_SAFE = "/:@!$&'()*+,;=~"  # RFC 3986 pchar besides what quote() keeps: a path spelled one way only
_CLAIM = (
    "INSERT INTO idempotent_writes (scope, operation, key, request_hash) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT DO NOTHING RETURNING true"
)
_STORED = (
    "SELECT request_hash, status, headers, body FROM idempotent_writes"
    " WHERE scope = $1 AND operation = $2 AND key = $3"
)
_ANSWER = (
    "UPDATE idempotent_writes SET status = $4, headers = $5, body = $6"
    " WHERE scope = $1 AND operation = $2 AND key = $3"
)


def key_reused() -> ApiError:
    return ApiError(
        409, "idempotency_key_reused", "this Idempotency-Key was used with a different request body"
    )


def in_flight() -> ApiError:
    return ApiError(503, "unavailable", "a request with this Idempotency-Key was in flight, retry later")


class Replayed(Exception):
    """The stored answer of a claim already committed: the middleware sends it instead."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


class Claimed(UnitOfWork):
    """A unit of work holding an Idempotency-Key's claim, committed by the middleware with its answer."""

    def __init__(
        self,
        request: web.Request,
        pool: asyncpg.Pool,
        on_commit: OnCommit | None,
        claim: tuple[str, str, str],
    ) -> None:
        super().__init__(pool, on_commit)
        self._request, self._claim, self._ready = request, claim, False

    async def __aenter__(self) -> Self:
        body = await http.body(self._request)  # read once by the route already (read_model keeps it)
        query = self._request.rel_url.raw_query_string.encode("utf-8", "surrogateescape")
        digest = hashlib.sha256(len(query).to_bytes(8, "big") + query + body).digest()
        await super().__aenter__()
        try:
            if await self.conn.fetchval(_CLAIM, *self._claim, digest):
                return self
            stored = await self.conn.fetchrow(_STORED, *self._claim)  # committed by the claimer we waited for
        except BaseException:
            await super().__aexit__(None, None, None)
            raise
        await super().__aexit__(None, None, None)
        if stored is None or stored["status"] is None:  # pruned in between: nothing left to replay
            raise in_flight()
        if stored["request_hash"] != digest:
            raise key_reused()
        headers = [*orjson.loads(stored["headers"]), (REPLAYED, "true")]
        raise Replayed(web.Response(body=stored["body"].encode(), status=stored["status"], headers=headers))

    async def commit(self) -> None:
        self._ready = True  # the COMMIT goes with the answer, once the route has made it

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None and self._ready:
            self._request[PENDING] = self
            return
        await super().__aexit__(exc_type, exc, tb)

    async def finish(self, response: web.StreamResponse) -> None:
        """Store the answer and commit; whatever happens, the connection goes back to the pool."""
        try:
            if not isinstance(response, web.Response) or not isinstance(response.body, bytes):
                raise TypeError(f"an idempotent write answers with a body in full, not {response!r}")
            if response.content_type != "application/json":
                raise TypeError(f"an idempotent write answers JSON, not {response.content_type}")
            kept = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
            await self.conn.execute(
                _ANSWER, *self._claim, response.status, orjson.dumps(kept).decode(), response.body.decode()
            )
            await super().commit()
        finally:
            await self.abandon()

    async def abandon(self) -> None:
        await super().__aexit__(None, None, None)  # rolls back unless committed; releases the connection


PENDING: web.RequestKey[Claimed | None] = web.RequestKey("idempotent_write")


def unit_of_work(
    request: web.Request, pool: asyncpg.Pool, on_commit: OnCommit | None = None, *, scope: str
) -> UnitOfWork:
    """The write's unit of work: with an Idempotency-Key header (422 if it is not 1 to MAX_KEY visible
    ASCII characters) one that claims it; without, a plain one. `scope`: whose keys, the authenticated
    subject (no default, so no write forgets it); claims of one scope never meet another's."""
    if PENDING not in request:
        raise RuntimeError("idempotency.middleware is not installed on this application")
    key = params.header(request.headers, HEADER, MAX_KEY)
    if key is None:
        return UnitOfWork(pool, on_commit)
    return Claimed(request, pool, on_commit, (scope, operation(request), key))


def operation(request: web.Request) -> str:
    """The method and the path, its percent-escapes decoded and written again one way: ASCII, no NUL."""
    return f"{request.method} {quote(request.path, safe=_PATH_SAFE, errors='surrogateescape')}"


@web.middleware
async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Sends a replayed answer; commits a claimed write with its answer, or rolls it back on an error."""
    request[PENDING] = None
    try:
        response = await handler(request)
    except Replayed as replay:
        return replay.response
    except BaseException:
        if (unit := request[PENDING]) is not None:
            await unit.abandon()
        raise
    if (unit := request[PENDING]) is not None:
        await unit.finish(response)
    return response
