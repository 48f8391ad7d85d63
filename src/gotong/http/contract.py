"""What every REST endpoint promises: the error body it answers with, and no unknown query parameters.

``errors(401, 403, ...)`` is what a route passes as FastAPI's ``responses=`` so that the OpenAPI
document lists each 4xx status the endpoint can return with :class:`ErrorPublic` as its body;
:func:`reject_unknown_query` is a router dependency that refuses (400) a query parameter the
endpoint does not declare, naming it, instead of ignoring it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from gotong.errors import Invalid

__all__ = ["ErrorPublic", "errors", "openapi_document", "reject_unknown_query"]

_MEANINGS = {
    400: "The request is malformed: an unknown parameter or field, or a value out of range",
    401: "No valid token: none was given where one is needed, or it is unknown, revoked or expired",
    403: "The token may not do this: a readonly token, a role too low, or another organisation's resource",
    404: "Nothing by that name is visible to you",
    409: "It already exists",
    413: "The request is too large",
}


class ErrorPublic(BaseModel):
    """The error resource every failure answers with (TAXII 2.1's shape, also under /api/)."""

    title: str
    description: str
    http_status: str


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """FastAPI ``responses=`` for these statuses, each with the error resource as its body.

    400 is always listed: every endpoint refuses unknown query parameters.
    """
    wanted = sorted({400, *statuses})
    return {s: {"model": ErrorPublic, "description": _MEANINGS.get(s, "Error")} for s in wanted}


def reject_unknown_query(request: Request) -> None:
    """Refuse a query parameter the matched endpoint does not declare (400 naming it)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _query_names(route.dependant)  # a handful of fields: cheaper than any cache
    unknown = sorted(k for k in request.query_params if k not in known)
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        raise Invalid(f"unknown query parameter{'s' if len(unknown) > 1 else ''} {names}")


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters of an endpoint and of every dependency it has, by their wire names."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's OpenAPI document without its 422 responses: validation errors are answered with 400
    (``app.py`` maps them), which every operation lists through :func:`errors`."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title, version=app.version, openapi_version=app.openapi_version, routes=app.routes
        )
        for item in document.get("paths", {}).values():
            for operation in item.values():
                operation.get("responses", {}).pop("422", None)
        schemas = document.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = document
    return app.openapi_schema
