"""REST: who am I, and the organisations of the network. Thin: one service call per handler."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from gotong.db.engine import read_connection
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.orgs.schemas import MePublic, OrganisationPublic
from gotong.orgs.service import organisations_for, whoami

router = APIRouter(prefix="/api/v1", tags=["organisations"], dependencies=[Depends(reject_unknown_query)])


@router.get("/me", responses=errors(401))
def me(engine: EngineDep, principal: PrincipalDep) -> MePublic:
    """The organisation and role of the token used."""
    with read_connection(engine) as conn:
        org = whoami(conn, actor=principal)
    return MePublic(
        organisation=org.short_name,
        identity_id=org.identity_id,
        role=str(principal.role),
        through_hub=principal.through_hub,
    )


@router.get("/organisations", responses=errors(401))
def organisations(engine: EngineDep, principal: PrincipalDep) -> list[OrganisationPublic]:
    """Every organisation of the network, with its parent."""
    with read_connection(engine) as conn:
        orgs = organisations_for(conn, actor=principal)
    names = {o.id: o.short_name for o in orgs}
    return [
        OrganisationPublic(
            short_name=o.short_name,
            name=o.name,
            country=o.country,
            kind=str(o.kind),
            parent=names.get(o.parent_id) if o.parent_id else None,
            identity_id=o.identity_id,
        )
        for o in orgs
    ]
