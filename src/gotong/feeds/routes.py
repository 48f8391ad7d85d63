"""REST: configured feeds, and exports as downloads. Thin: one call of ``feeds.manage`` per handler.

Who may manage which feed, and what a remote caller may name as a source, is decided in
:mod:`gotong.feeds.manage`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Response

from gotong.core.media import STIX_MEDIA_TYPE
from gotong.db.engine import read_connection, write_transaction
from gotong.feeds.exporters import LEFT_OUT_HEADER, left_out_header
from gotong.feeds.manage import add_feed_for, export_for, feed_for, feeds_for, run_feed_for
from gotong.feeds.schemas import FeedCreate, FeedPublic
from gotong.feeds.service import EXPORT_FORMATS
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.sharing.tlp import TLP

router = APIRouter(prefix="/api/v1", tags=["feeds"], dependencies=[Depends(reject_unknown_query)])

_MEDIA = {
    "stix": (STIX_MEDIA_TYPE, "json"),
    "misp": ("application/json", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "ip": ("text/plain; charset=utf-8", "txt"),
    "domain": ("text/plain; charset=utf-8", "txt"),
    "url": ("text/plain; charset=utf-8", "txt"),
    "suricata": ("text/plain; charset=utf-8", "rules"),
    "snort": ("text/plain; charset=utf-8", "rules"),
}
_DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The export, as an attachment in the format asked for",
        "content": {media: {"schema": {"type": "string"}} for media, _ in _MEDIA.values()},
    }
}


@router.get("/feeds", responses=errors(401, 403))
def feeds_list(engine: EngineDep, principal: PrincipalDep) -> list[FeedPublic]:
    """The feeds you may manage (your organisation's; every feed for the hub)."""
    with read_connection(engine) as conn:
        return feeds_for(conn, actor=principal)


@router.post("/feeds", status_code=201, responses=errors(401, 403, 404, 409))
def feeds_add(body: FeedCreate, engine: EngineDep, principal: PrincipalDep) -> FeedPublic:
    """Configure a feed for your organisation (admins, coordinators); its source must be http(s)."""
    with write_transaction(engine) as conn:
        status = add_feed_for(
            conn,
            actor=principal,
            name=body.name,
            source=body.source,
            fmt=body.format,
            collection=body.collection,
            classification=body.classification,
            tlp=body.tlp,
            group=body.group,
            valid_days=body.valid_days,
            every=body.every,
            token=body.token,
            basic_auth=body.basic_auth,
            repair=body.repair,
        )
    return status


@router.get("/feeds/{name}", responses=errors(401, 403, 404))
def feeds_show(name: str, engine: EngineDep, principal: PrincipalDep) -> FeedPublic:
    """One feed and the outcome of its last run."""
    with read_connection(engine) as conn:
        return feed_for(conn, actor=principal, name=name)


@router.post("/feeds/{name}/run", responses=errors(401, 403, 404))
def feeds_run(name: str, engine: EngineDep, principal: PrincipalDep) -> FeedPublic:
    """Run a feed now and answer with the status it left."""
    return run_feed_for(engine, actor=principal, name=name)


@router.get("/export", response_class=Response, responses={**_DOWNLOAD, **errors(401, 404)})
def export(
    engine: EngineDep,
    principal: PrincipalDep,
    format: str = Query(default="stix", description=", ".join(EXPORT_FORMATS)),
    collection: str | None = None,
    ceiling: str = Query(default="red", description="Leave out anything marked above this TLP"),
) -> Response:
    """A download of what the caller's organisation may see, rendered as ``format``."""
    done = export_for(engine, actor=principal, fmt=format, collection=collection, ceiling=ceiling)
    limit = TLP.parse(ceiling)
    media_type, extension = _MEDIA[format]
    filename = f"gotong-{principal.org_short}-{format}-{limit.slug.replace('+', '-')}.{extension}"
    return Response(
        content=done.text,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            LEFT_OUT_HEADER: left_out_header(done),
        },
    )
