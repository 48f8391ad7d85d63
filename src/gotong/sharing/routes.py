"""REST: sharing groups and access receipts. Thin: one service call per handler."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from gotong.db.engine import read_connection, write_transaction
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.sharing.groups import change_members, create_group, group_for, groups_for, receipts_for
from gotong.sharing.schemas import GroupCreate, GroupPublic, GroupUpdate, ReceiptPublic
from gotong.sharing.service import SharingGroup

router = APIRouter(prefix="/api/v1", tags=["sharing"], dependencies=[Depends(reject_unknown_query)])


def _public(group: SharingGroup) -> GroupPublic:
    return GroupPublic(
        name=group.name,
        kind=str(group.kind),
        owner=group.owner,
        members=list(group.members),
        marking_id=group.marking_id,
        members_withheld=group.members_withheld,
    )


@router.get("/groups", responses=errors(401))
def groups(engine: EngineDep, principal: PrincipalDep) -> list[GroupPublic]:
    """Every sharing group of the node."""
    with read_connection(engine) as conn:
        return [_public(g) for g in groups_for(conn, actor=principal)]


@router.get("/groups/{name}", responses=errors(401, 404))
def group(name: str, engine: EngineDep, principal: PrincipalDep) -> GroupPublic:
    """One sharing group."""
    with read_connection(engine) as conn:
        return _public(group_for(conn, actor=principal, name=name))


@router.post("/groups", status_code=201, responses=errors(401, 403, 404, 409))
def add_group(body: GroupCreate, engine: EngineDep, principal: PrincipalDep) -> GroupPublic:
    """Create a group owned by the caller's organisation (admins and coordinators)."""
    created = create_group(engine, actor=principal, name=body.name, members=body.members, kind=body.kind)
    return _public(created)


@router.patch("/groups/{name}", responses=errors(401, 403, 404))
def update_group(name: str, body: GroupUpdate, engine: EngineDep, principal: PrincipalDep) -> GroupPublic:
    """Add or remove members; only admins and coordinators of the owning organisation may."""
    with write_transaction(engine) as conn:
        updated = change_members(conn, actor=principal, name=name, add=body.add, remove=body.remove)
    return _public(updated)


@router.get("/receipts", responses=errors(401, 404))
def receipts(
    request: Request,
    engine: EngineDep,
    principal: PrincipalDep,
    collection: str | None = None,
    object: str | None = None,
) -> list[ReceiptPublic]:
    """Who retrieved the caller's organisation's objects, per collection or per object."""
    request.app.state.receipts.flush()  # include retrievals noted but not yet written
    with read_connection(engine) as conn:
        found = receipts_for(conn, actor=principal, collection=collection, stix_id=object)
    return found
