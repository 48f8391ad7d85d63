"""REST: the MISP feed of what the caller's organisation may see (see :mod:`gotong.feeds.misp.served_feed`).

Add it in MISP as a feed of type "MISP Feed" with the URL ``https://NODE/api/v1/misp-feed`` and the
header ``Authorization: Bearer TOKEN``. Conditional requests (``If-None-Match``) answer 304.
"""

from __future__ import annotations

from fastapi import APIRouter, Header, Query, Response

from gotong.feeds.misp.served_feed import served_file
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.orgs.routes import require_member
from gotong.sharing.tlp import TLP

router = APIRouter(prefix="/api/v1/misp-feed", tags=["feeds"])


@router.get("/{name}")
def misp_feed_file(
    name: str,
    engine: EngineDep,
    principal: PrincipalDep,
    ceiling: str = Query(default="red", description="Leave out anything marked above this TLP"),
    if_none_match: str | None = Header(default=None),
) -> Response:
    """``manifest.json``, ``hashes.csv`` or ``<event uuid>.json``."""
    require_member(principal)
    assert principal.org_short is not None
    found = served_file(engine, org=principal.org_short, name=name, ceiling=TLP.parse(ceiling))
    headers = {"ETag": found.etag, "Cache-Control": "private, no-cache"}
    if if_none_match is not None and found.etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(content=found.content, media_type=found.media_type, headers=headers)
