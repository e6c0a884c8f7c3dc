"""An OpenAPI 3.1 document built from the same pydantic models the routes validate with."""

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode

from runtime.http import json_response


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: list[Any]


class ErrorBody(BaseModel):
    error: ErrorDetail


def ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def json_content(model: type[BaseModel]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": ref(model)}}}


def errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"description": "error", **json_content(ErrorBody)} for s in statuses}


BEARER = "bearerAuth"
SECURITY_SCHEMES = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "a JWT from the identity provider (AUTH_JWKS_URL / AUTH_JWKS_FILE); scopes in `scope`",
    }
}


def secured(scope: str, operation: dict[str, Any]) -> dict[str, Any]:
    """`operation` as one that needs a bearer token granting `scope`: its security and its 401 and 403."""
    return {
        **operation,
        "security": [{BEARER: [scope]}],
        "responses": {**operation["responses"], **errors(401, 403)},
    }


def document(
    title: str, paths: dict[str, Any], requests: list[type[BaseModel]], responses: list[type[BaseModel]]
) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    passes: list[tuple[JsonSchemaMode, list[type[BaseModel]]]] = [
        ("validation", requests),
        ("serialization", [*responses, ErrorBody]),
    ]
    for mode, models in passes:
        for model in models:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0.0"},
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
    }


def query(name: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, **extra}


def route(doc: dict[str, Any]) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def openapi(_request: web.Request) -> web.Response:
        return json_response(doc)

    return openapi
