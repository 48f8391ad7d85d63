"""TAXII 2.1 endpoints. Thin: parse the request, call one service, render the TAXII resource."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Invalid, NotFound, TooLarge, Unauthorized
from gotong.http.dependencies import EngineDep, PrincipalDep, SettingsDep
from gotong.intel import query
from gotong.intel import service as intel
from gotong.intel.limits import parse_count
from gotong.intel.status import get_status
from gotong.intel.store import add_objects
from gotong.stix.patterns import pattern_budget
from gotong.taxii.media import TAXII_MEDIA_TYPE, check_accept, check_content_type


def negotiate(request: Request) -> None:
    check_accept(request.headers.get("accept"))


router = APIRouter(dependencies=[Depends(negotiate)])
ROOT = "/{api_root}"
COLLECTION = ROOT + "/collections/{collection_id}"


def taxii_response(
    content: Any, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    body = content if isinstance(content, bytes) else orjson.dumps(content)
    return Response(body, status_code=status_code, media_type=TAXII_MEDIA_TYPE, headers=headers)


def _api_root(settings: SettingsDep, api_root: str) -> None:
    if api_root != settings.api_root:
        raise NotFound(f"no API root {api_root!r}; this server has /{settings.api_root}/")


ApiRootDep = Annotated[None, Depends(_api_root)]


def _limit(request: Request, settings: SettingsDep) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return settings.page_limit_default
    return min(parse_count("limit", raw, minimum=1), settings.page_limit_max)


LimitDep = Annotated[int, Depends(_limit)]


def _filters(request: Request, *, default_version: str = "last") -> query.ObjectFilter:
    params = request.query_params
    known = {
        "added_after",
        "limit",
        "next",
        "match[id]",
        "match[type]",
        "match[version]",
        "match[spec_version]",
    }
    unknown = sorted(k for k in params if k not in known)
    if unknown:
        raise Invalid(f"unsupported query parameter(s): {', '.join(unknown)}")
    return query.ObjectFilter.parse(
        added_after=params.get("added_after"),
        ids=params.get("match[id]"),
        types=params.get("match[type]"),
        versions=params.get("match[version]"),
        spec_versions=params.get("match[spec_version]"),
        default_version=default_version,
    )


def _date_headers(page: query.Page) -> dict[str, str]:
    if not page.items:
        return {}
    return {
        "X-TAXII-Date-Added-First": page.first_added or "",
        "X-TAXII-Date-Added-Last": page.last_added or "",
    }


@router.get("/taxii2/")
def discovery(request: Request, settings: SettingsDep, _principal: PrincipalDep) -> Response:
    """Open to all; a token presented here must still be valid (401 otherwise)."""
    base = settings.base_url.rstrip("/") or str(request.base_url).rstrip("/")
    root = f"{base}/{settings.api_root}/"
    resource: dict[str, Any] = {"title": settings.title, "description": settings.description, "default": root}
    if settings.contact:
        resource["contact"] = settings.contact
    resource["api_roots"] = [root]
    return taxii_response(resource)


@router.get(ROOT + "/")
def api_root_information(_: ApiRootDep, settings: SettingsDep, _principal: PrincipalDep) -> Response:
    """Open to all; a token presented here must still be valid (401 otherwise)."""
    return taxii_response(
        {
            "title": settings.title,
            "description": settings.description,
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": settings.max_content_length,
        }
    )


@router.get(ROOT + "/status/{status_id}/")
def status(
    _: ApiRootDep, status_id: str, engine: EngineDep, principal: PrincipalDep, settings: SettingsDep
) -> Response:
    ttl = int(settings.status_ttl_hours * 3600)
    with read_connection(engine) as conn:
        return taxii_response(get_status(conn, principal=principal, status_id=status_id, ttl_seconds=ttl))


@router.get(ROOT + "/collections/")
def collections(_: ApiRootDep, engine: EngineDep, principal: PrincipalDep) -> Response:
    with read_connection(engine) as conn:
        views = intel.collections_for(conn, actor=principal)
    return taxii_response({"collections": [v.taxii() for v in views]} if views else {})


@router.get(COLLECTION + "/")
def collection(_: ApiRootDep, collection_id: str, engine: EngineDep, principal: PrincipalDep) -> Response:
    with read_connection(engine) as conn:
        view = intel.collection_for(conn, actor=principal, collection=collection_id)
    return taxii_response(view.taxii(addressed_as=collection_id))


@router.get(COLLECTION + "/objects/")
def get_objects(
    _: ApiRootDep,
    request: Request,
    collection_id: str,
    engine: EngineDep,
    principal: PrincipalDep,
    limit: LimitDep,
) -> Response:
    filters = _filters(request)
    with read_connection(engine) as conn:
        page = intel.read_objects(
            conn,
            actor=principal,
            collection=collection_id,
            filters=filters,
            limit=limit,
            cursor=request.query_params.get("next"),
            receipts=request.app.state.receipts,
        )
    return taxii_response(_envelope(page), headers=_date_headers(page))


@router.post(COLLECTION + "/objects/")
async def post_objects(
    _: ApiRootDep,
    request: Request,
    collection_id: str,
    engine: EngineDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> Response:
    if not principal.authenticated:
        raise Unauthorized("adding objects needs an API token")
    check_content_type(request.headers.get("content-type"))
    body = await _read_body(request, settings.max_content_length)
    try:
        envelope = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Invalid(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("objects", []), list):
        raise Invalid("the request body must be a TAXII envelope: an object with an 'objects' list")
    # A STIX bundle is accepted as an envelope too: stix2's TAXIICollectionSink posts bundles.
    unknown = sorted(set(envelope) - {"objects", "more", "next", "type", "id", "spec_version"})
    if unknown or envelope.get("type", "bundle") != "bundle":
        raise Invalid(f"not a TAXII envelope or STIX bundle: unexpected {', '.join(unknown) or 'type'}")
    with pattern_budget():  # one envelope gets a bounded share of the pattern parser's time
        report = await run_in_threadpool(
            add_objects,
            engine,
            principal=principal,
            collection_id=collection_id,
            objects=envelope.get("objects", []),
        )
    return taxii_response(report.taxii(), status_code=202)


@router.get(COLLECTION + "/objects/{object_id}/")
def get_object(
    _: ApiRootDep,
    request: Request,
    collection_id: str,
    object_id: str,
    engine: EngineDep,
    principal: PrincipalDep,
    limit: LimitDep,
) -> Response:
    filters = _filters(request)
    if filters.ids:
        raise Invalid("match[id] is not allowed on an object's own endpoint")
    with read_connection(engine) as conn:
        page = intel.read_object(
            conn,
            actor=principal,
            collection=collection_id,
            object_id=object_id,
            filters=filters,
            limit=limit,
            cursor=request.query_params.get("next"),
            receipts=request.app.state.receipts,
        )
    return taxii_response(_envelope(page), headers=_date_headers(page))


@router.delete(COLLECTION + "/objects/{object_id}/")
def delete_object(
    _: ApiRootDep,
    request: Request,
    collection_id: str,
    object_id: str,
    engine: EngineDep,
    principal: PrincipalDep,
) -> Response:
    params = request.query_params
    unknown = sorted(k for k in params if k not in {"match[version]", "match[spec_version]"})
    if unknown:
        raise Invalid(f"unsupported query parameter(s) for DELETE: {', '.join(unknown)}")
    filters = query.ObjectFilter.parse(
        versions=params.get("match[version]"),
        spec_versions=params.get("match[spec_version]"),
        default_version="all",
    )
    with write_transaction(engine) as conn:
        intel.delete_object(
            conn, actor=principal, collection=collection_id, object_id=object_id, filters=filters
        )
    return Response(status_code=200, media_type=TAXII_MEDIA_TYPE)


@router.get(COLLECTION + "/objects/{object_id}/versions/")
def versions(
    _: ApiRootDep,
    request: Request,
    collection_id: str,
    object_id: str,
    engine: EngineDep,
    principal: PrincipalDep,
    limit: LimitDep,
) -> Response:
    params = request.query_params
    unknown = sorted(k for k in params if k not in {"added_after", "limit", "next", "match[spec_version]"})
    if unknown:
        raise Invalid(f"unsupported query parameter(s) for versions: {', '.join(unknown)}")
    filters = query.ObjectFilter.parse(
        added_after=params.get("added_after"),
        spec_versions=params.get("match[spec_version]"),
        default_version="all",
    )
    with read_connection(engine) as conn:
        page = intel.read_versions(
            conn,
            actor=principal,
            collection=collection_id,
            object_id=object_id,
            filters=filters,
            limit=limit,
            cursor=params.get("next"),
        )
    resource: dict[str, Any] = {"more": page.more, "versions": [i.version_text for i in page.items]}
    if page.next:
        resource["next"] = page.next
    return taxii_response(resource, headers=_date_headers(page))


@router.get(COLLECTION + "/manifest/")
def manifest(
    _: ApiRootDep,
    request: Request,
    collection_id: str,
    engine: EngineDep,
    principal: PrincipalDep,
    limit: LimitDep,
) -> Response:
    filters = _filters(request)
    with read_connection(engine) as conn:
        page = intel.read_manifest(
            conn,
            actor=principal,
            collection=collection_id,
            filters=filters,
            limit=limit,
            cursor=request.query_params.get("next"),
        )
    resource: dict[str, Any] = {"more": page.more}
    if page.next:
        resource["next"] = page.next
    if page.items:
        resource["objects"] = [i.manifest() for i in page.items]
    return taxii_response(resource, headers=_date_headers(page))


def _envelope(page: query.Page) -> bytes:
    """Stitch the stored JSON bodies into an envelope without parsing them again."""
    head = b'{"more":' + (b"true" if page.more else b"false")
    if page.next:
        head += b',"next":' + orjson.dumps(page.next)
    if not page.items:
        return head + b"}"
    return head + b',"objects":[' + ",".join(i.body for i in page.items).encode() + b"]}"


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the body is {declared} bytes; this API root accepts at most {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the body exceeds this API root's max_content_length of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
