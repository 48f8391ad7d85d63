"""REST: configured feeds, and exports as downloads. Thin: the feed registry and exporters do the work.

Feeds belong to an organisation: its admins and coordinators list, add and run them; the hub's
see every feed. Over REST a feed's source must be an http(s) URL (a path would let a remote user
read the server's files). Exports are what the caller's organisation may see, capped at a TLP
ceiling, in any export format.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Forbidden, Invalid
from gotong.feeds.fetch import authorization, is_url
from gotong.feeds.registry import add_feed, feed_owner, get_feed, list_feeds, parse_interval
from gotong.feeds.runs import run_feed
from gotong.feeds.service import EXPORT_FORMATS, export_feed
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.orgs.models import OrgKind
from gotong.orgs.routes import require_member, require_role
from gotong.orgs.service import get_org
from gotong.sharing.tlp import TLP

router = APIRouter(prefix="/api/v1", tags=["feeds"])

_MEDIA = {
    "stix": ("application/stix+json;version=2.1", "json"),
    "misp": ("application/json", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "ip": ("text/plain; charset=utf-8", "txt"),
    "domain": ("text/plain; charset=utf-8", "txt"),
    "url": ("text/plain; charset=utf-8", "txt"),
    "suricata": ("text/plain; charset=utf-8", "rules"),
    "snort": ("text/plain; charset=utf-8", "rules"),
}


class FeedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    source: str = Field(min_length=1, description="http(s) URL; for format taxii, a collection URL")
    format: str
    collection: str | None = None
    classification: str | None = None
    tlp: str | None = None
    group: str | None = None
    valid_days: int | None = Field(default=30, ge=1)
    every: str | None = Field(default=None, description="Poll interval such as 15m, 6h, 1d")
    token: str | None = Field(default=None, description="Bearer token the source wants")
    basic_auth: str | None = Field(default=None, description="user:password the source wants")


def _is_hub(engine: Any, principal: Principal) -> bool:
    with read_connection(engine) as conn:
        return get_org(conn, org_id=principal.org_id).kind == OrgKind.HUB


def _may_manage(engine: Any, principal: Principal, name: str) -> None:
    require_role(principal, Role.ADMIN, Role.COORDINATOR)
    with read_connection(engine) as conn:
        owner = feed_owner(conn, name)
    if owner != principal.org_id and not _is_hub(engine, principal):
        raise Forbidden(f"feed {name!r} belongs to another organisation")


@router.get("/feeds")
def feeds_list(engine: EngineDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    require_role(principal, Role.ADMIN, Role.COORDINATOR)
    hub = _is_hub(engine, principal)
    with read_connection(engine) as conn:
        return [asdict(s) for s in list_feeds(conn, org_id=None if hub else principal.org_id)]


@router.post("/feeds", status_code=201)
def feeds_add(body: FeedCreate, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    require_role(principal, Role.ADMIN, Role.COORDINATOR)
    if not is_url(body.source):
        raise Invalid("over REST a feed's source must be an http:// or https:// URL")
    credentials = authorization(body.token, body.basic_auth, token_name="token", basic_name="basic_auth")
    with write_transaction(engine) as conn:
        org = get_org(conn, org_id=principal.org_id)
        status = add_feed(
            conn,
            name=body.name,
            source=body.source,
            fmt=body.format,
            org=org.short_name,
            collection_id=body.collection,
            classification=body.classification,
            tlp=body.tlp,
            group=body.group,
            valid_days=body.valid_days,
            interval=parse_interval(body.every) if body.every else None,
            credentials=credentials,
        )
    return asdict(status)


@router.get("/feeds/{name}")
def feeds_show(name: str, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    _may_manage(engine, principal, name)
    with read_connection(engine) as conn:
        return asdict(get_feed(conn, name))


@router.post("/feeds/{name}/run")
def feeds_run(name: str, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """Run a feed now and answer with the status it left."""
    _may_manage(engine, principal, name)
    run_feed(engine, name)
    with read_connection(engine) as conn:
        return asdict(get_feed(conn, name))


@router.get("/export")
def export(
    engine: EngineDep,
    principal: PrincipalDep,
    format: str = Query(default="stix", description=", ".join(EXPORT_FORMATS)),
    collection: str | None = None,
    ceiling: str = Query(default="red", description="Leave out anything marked above this TLP"),
) -> Response:
    """A download of what the caller's organisation may see, rendered as ``format``."""
    require_member(principal)
    if format not in EXPORT_FORMATS:
        raise Invalid(f"unknown export format {format!r}; use one of: {', '.join(EXPORT_FORMATS)}")
    limit = TLP.parse(ceiling)
    assert principal.org_short is not None
    text = export_feed(engine, org=principal.org_short, collection_id=collection, fmt=format, ceiling=limit)
    media_type, extension = _MEDIA[format]
    filename = f"gotong-{principal.org_short}-{format}-{limit.slug.replace('+', '-')}.{extension}"
    return Response(
        content=text,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
