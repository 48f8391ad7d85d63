"""REST: who am I, and the organisations of the network."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection
from gotong.errors import Forbidden, Unauthorized
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.orgs.service import get_org, list_orgs

router = APIRouter(prefix="/api/v1", tags=["organisations"])


def require_member(principal: Principal) -> None:
    if not principal.authenticated:
        raise Unauthorized("this endpoint needs an API token")


def require_role(principal: Principal, *roles: Role) -> None:
    """Refuse unless the principal is authenticated and holds one of ``roles``."""
    require_member(principal)
    if principal.role not in roles:
        raise Forbidden(f"this needs the role {' or '.join(r.value for r in roles)}")


@router.get("/me")
def me(engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    require_member(principal)
    with read_connection(engine) as conn:
        org = get_org(conn, org_id=principal.org_id)
    return {
        "organisation": org.short_name,
        "identity_id": org.identity_id,
        "role": str(principal.role),
        "through_hub": principal.through_hub,
    }


@router.get("/organisations")
def organisations(engine: EngineDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    require_member(principal)
    with read_connection(engine) as conn:
        orgs = list_orgs(conn)
    names = {o.id: o.short_name for o in orgs}
    return [
        {
            "short_name": o.short_name,
            "name": o.name,
            "country": o.country,
            "kind": str(o.kind),
            "parent": names.get(o.parent_id) if o.parent_id else None,
            "identity_id": o.identity_id,
        }
        for o in orgs
    ]
