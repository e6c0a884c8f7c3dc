"""The routes' side of authentication: `principal = await authorize(request, scope)`.

A missing token, or one that is not `Bearer`, is a 401 with `WWW-Authenticate: Bearer`; a bad one a 401
with `error="invalid_token"` saying why; a token without the scope a 403 `forbidden` naming it. All in
the error shape. The Principal is kept on the request, so a second call verifies nothing again.
"""

from aiohttp import web

from runtime.auth.principal import InvalidToken, Principal
from runtime.auth.verifier import Verifier
from runtime.http import ApiError
from runtime.settings import ServiceSettings

VERIFIER: web.AppKey[Verifier] = web.AppKey("verifier", Verifier)
PRINCIPAL: web.RequestKey[Principal] = web.RequestKey("principal", Principal)
CHALLENGE = 'Bearer realm="order-saga"'


def install(app: web.Application, settings: ServiceSettings) -> None:
    """Give the application its verifier; AuthConfigError (a start-up failure) when none can be made.
    Keys from a URL are fetched at start-up (a provider down then is retried on the first request)."""
    app[VERIFIER] = Verifier.from_settings(settings)

    async def warm(app: web.Application) -> None:
        await app[VERIFIER].keys.warm()

    app.on_startup.append(warm)


def unauthorized(reason: str | None = None) -> ApiError:
    """401: no token (`reason` None) or a token that cannot be trusted (`reason` says why)."""
    if reason is None:
        return ApiError(
            401,
            "unauthorized",
            "a bearer token is required: Authorization: Bearer <token>",
            headers={"WWW-Authenticate": CHALLENGE},
        )
    quoted = reason.replace('"', "'")
    challenge = f'{CHALLENGE}, error="invalid_token", error_description="{quoted}"'
    return ApiError(401, "unauthorized", reason, headers={"WWW-Authenticate": challenge})


def forbidden(scope: str) -> ApiError:
    """403: a good token without `scope`."""
    return ApiError(
        403,
        "forbidden",
        f"this token lacks the scope {scope}",
        [{"scope": scope, "message": f"the scope {scope} is required"}],
        headers={"WWW-Authenticate": f'{CHALLENGE}, error="insufficient_scope", scope="{scope}"'},
    )


async def authenticate(request: web.Request) -> Principal:
    """The caller's Principal from `Authorization: Bearer <token>`; ApiError 401 otherwise."""
    if PRINCIPAL in request:
        return request[PRINCIPAL]
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        raise unauthorized()
    token = token.strip()
    if not token:
        raise unauthorized("the bearer token is empty")
    try:
        principal = await request.app[VERIFIER].verify(token)
    except InvalidToken as exc:
        raise unauthorized(str(exc)) from None
    request[PRINCIPAL] = principal
    return principal


async def authorize(request: web.Request, scope: str) -> Principal:
    """The caller's Principal if its token grants `scope`: 401 without a good token, 403 without it."""
    principal = await authenticate(request)
    if not principal.allows(scope):
        raise forbidden(scope)
    return principal
