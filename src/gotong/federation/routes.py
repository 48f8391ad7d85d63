"""REST: the provenance of a stored object. Thin: one service call per handler."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from gotong.db.engine import read_connection
from gotong.federation.provenance import Provenance, object_provenance
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep

router = APIRouter(prefix="/api/v1", tags=["sharing"], dependencies=[Depends(reject_unknown_query)])

ProvenancePublic = Provenance
"""The record itself is the REST shape: who submitted a version, and through which peer."""


@router.get("/collections/{collection_id}/objects/{object_id}/provenance", responses=errors(401, 403, 404))
def provenance(
    collection_id: str, object_id: str, engine: EngineDep, principal: PrincipalDep
) -> list[ProvenancePublic]:
    """Who submitted each version the caller may see (anonymous submissions stay anonymous)."""
    with read_connection(engine) as conn:
        return object_provenance(conn, actor=principal, collection=collection_id, object_id=object_id)
