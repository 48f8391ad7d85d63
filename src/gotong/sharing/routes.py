"""REST: sharing groups, access receipts and provenance. Thin: one service call per handler."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from gotong.core.auth import Role
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Forbidden
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.intel.collections import get_collection, require_read, view_for
from gotong.intel.provenance import provenance
from gotong.orgs.routes import require_member, require_role
from gotong.orgs.service import get_org
from gotong.sharing.definitions import publish_definitions
from gotong.sharing.models import GroupKind
from gotong.sharing.receipts import list_receipts
from gotong.sharing.service import SharingGroup, add_group, get_group, list_groups, load_reader, set_members

router = APIRouter(prefix="/api/v1", tags=["sharing"])


class GroupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    members: list[str]
    kind: GroupKind = GroupKind.COMMUNITY


class GroupUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    add: list[str] = []
    remove: list[str] = []


def _public(group: SharingGroup) -> dict[str, Any]:
    return {
        "name": group.name,
        "kind": str(group.kind),
        "owner": group.owner,
        "members": list(group.members),
        "marking_id": group.marking_id,
    }


@router.get("/groups")
def groups(engine: EngineDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    require_member(principal)
    with read_connection(engine) as conn:
        return [_public(g) for g in list_groups(conn)]


@router.get("/groups/{name}")
def group(name: str, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    require_member(principal)
    with read_connection(engine) as conn:
        return _public(get_group(conn, name=name))


@router.post("/groups", status_code=201)
def create_group(body: GroupCreate, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """Create a group owned by the caller's organisation (admins and coordinators)."""
    require_role(principal, Role.ADMIN, Role.COORDINATOR)
    with write_transaction(engine) as conn:
        created = add_group(
            conn,
            name=body.name,
            members=body.members,
            kind=body.kind,
            owner=principal.org_short or "",
            actor=principal.org_short or "api",
        )
    publish_definitions(engine)
    return _public(created)


@router.patch("/groups/{name}")
def update_group(name: str, body: GroupUpdate, engine: EngineDep, principal: PrincipalDep) -> dict[str, Any]:
    """Add or remove members; only admins and coordinators of the owning organisation may."""
    require_role(principal, Role.ADMIN, Role.COORDINATOR)
    with write_transaction(engine) as conn:
        if get_group(conn, name=name).owner != principal.org_short:
            raise Forbidden(f"only the organisation that owns group {name!r} may change its members")
        updated = set_members(
            conn, name=name, add=body.add, remove=body.remove, actor=principal.org_short or "api"
        )
    return _public(updated)


@router.get("/receipts")
def receipts(
    request: Request,
    engine: EngineDep,
    principal: PrincipalDep,
    collection: str | None = None,
    object: str | None = None,
) -> list[dict[str, Any]]:
    """Who retrieved the caller's organisation's objects, per collection or per object."""
    require_member(principal)
    request.app.state.receipts.flush()  # include retrievals noted but not yet written
    with read_connection(engine) as conn:
        coll = get_collection(conn, collection).id if collection else None
        org_id = get_org(conn, org_id=principal.org_id).id
        return [vars(r) for r in list_receipts(conn, org_id=org_id, collection_id=coll, stix_id=object)]


@router.get("/collections/{collection_id}/objects/{object_id}/provenance")
def object_provenance(
    collection_id: str, object_id: str, engine: EngineDep, principal: PrincipalDep
) -> list[dict[str, Any]]:
    """Who submitted each version the caller may see (anonymous submissions stay anonymous)."""
    require_member(principal)
    with read_connection(engine) as conn:
        view = view_for(conn, principal, collection_id)
        require_read(view)
        found = provenance(
            conn,
            reader=load_reader(conn, principal),
            principal=principal,
            collection_id=view.collection.id,
            stix_id=object_id,
        )
    return [vars(p) for p in found]
