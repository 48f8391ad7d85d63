"""REST: the MISP feed of what the caller's organisation may see (see :mod:`gotong.feeds.misp.served_feed`).

Add it in MISP as a feed of type "MISP Feed" with the URL ``https://NODE/api/v1/misp-feed`` and the
header ``Authorization: Bearer TOKEN``. Conditional requests (``If-None-Match``) answer 304.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Response

from gotong.core.permissions import require_member
from gotong.feeds.misp.served_feed import served_file
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.sharing.tlp import TLP

router = APIRouter(prefix="/api/v1/misp-feed", tags=["feeds"], dependencies=[Depends(reject_unknown_query)])

_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The manifest, the hashes or one event, as MISP's feed format has them",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    },
    304: {"description": "Unchanged since the ETag given in If-None-Match"},
}


@router.get("/{name}", response_class=Response, responses={**_FILE, **errors(401, 404)})
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
