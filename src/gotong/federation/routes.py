"""REST: the provenance of a stored object, and the audit checkpoints peers witness for each other.
Thin: one service call per handler."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from gotong.db.engine import read_connection
from gotong.federation import witness
from gotong.federation.provenance import Provenance, object_provenance
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep, SettingsDep

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


class CheckpointPublic(BaseModel):
    """A signed audit checkpoint (docs/security.md): the fields are signed as they are, so they are
    passed on unchanged; ``objects*`` are absent from checkpoints of format 1."""

    type: str
    node: str
    seq: int
    hash: str
    records: int
    at: str
    public_key: str
    signature: str
    objects_until: int | None = None
    objects: int | None = None
    objects_digest: str | None = None


@router.get(
    "/audit/checkpoint",
    tags=["audit"],
    response_model=CheckpointPublic,
    response_model_exclude_none=True,
    responses=errors(401, 403, 404),
)
def audit_checkpoint(engine: EngineDep, principal: PrincipalDep, settings: SettingsDep) -> dict[str, Any]:
    """The node's newest signed audit checkpoint, for the peers that witness it (and its admins)."""
    return witness.checkpoint_for(engine, settings, actor=principal)


@router.get(
    "/audit/witnessed",
    tags=["audit"],
    response_model=list[CheckpointPublic],
    response_model_exclude_none=True,
    responses=errors(401, 403),
)
def audit_witnessed(
    engine: EngineDep, principal: PrincipalDep, settings: SettingsDep
) -> list[dict[str, Any]]:
    """The checkpoints this node holds as witness of the caller's own node (none of anyone else's)."""
    return witness.held_for(engine, Path(settings.node_key_file).parent, actor=principal)
