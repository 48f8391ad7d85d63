"""The sharing verbs adapters call with the principal that asks: groups and access receipts.

Every role and ownership check of sharing groups happens here; :mod:`gotong.sharing.service` holds
the storage steps these verbs are made of, and :mod:`gotong.sharing.policy` the visibility decision.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal, Role
from gotong.core.permissions import MANAGERS, require_member, require_role
from gotong.db.engine import read_connection
from gotong.errors import Forbidden
from gotong.intel.collections import view_for
from gotong.orgs.models import OrgKind
from gotong.orgs.service import get_org
from gotong.sharing.definitions import add_group_and_publish
from gotong.sharing.models import GroupKind
from gotong.sharing.policy import Reader, may_know_members
from gotong.sharing.receipts import Receipt, list_receipts
from gotong.sharing.service import SharingGroup, get_group, list_groups, load_reader, set_members

__all__ = ["change_members", "create_group", "group_for", "groups_for", "receipts_for"]


def groups_for(conn: Connection, *, actor: Principal) -> list[SharingGroup]:
    """Every sharing group of the node; the members of a named-recipients group only where the sharing
    policy lets ``actor`` know them (:func:`gotong.sharing.policy.may_know_members`)."""
    require_member(actor)
    reader = load_reader(conn, actor)
    return [_as_known(g, actor, reader) for g in list_groups(conn)]


def group_for(conn: Connection, *, actor: Principal, name: str) -> SharingGroup:
    """One sharing group by name, its members as :func:`groups_for` shows them."""
    require_member(actor)
    return _as_known(get_group(conn, name=name), actor, load_reader(conn, actor))


def _as_known(group: SharingGroup, actor: Principal, reader: Reader) -> SharingGroup:
    named = group.kind == GroupKind.NAMED_RECIPIENTS
    owner = actor.org_short is not None and actor.org_short == group.owner
    if may_know_members(reader, group_id=group.id, named_recipients=named, owner=owner):
        return group
    return replace(group, members=(), members_withheld=True)


def create_group(
    engine: Engine,
    *,
    actor: Principal,
    name: str,
    members: list[str],
    kind: GroupKind = GroupKind.COMMUNITY,
    owner: str | None = None,
) -> SharingGroup:
    """Create a sharing group, then publish the definitions so clients can address it at once.

    Admins and coordinators create groups owned by their own organisation; only an admin of the
    hub may name another ``owner``. Runs its own transactions (the group, then the definitions), as
    :func:`gotong.sharing.definitions.add_group_and_publish`, which it calls, does for the operator.
    """
    require_role(actor, *MANAGERS)
    with read_connection(engine) as conn:
        own = get_org(conn, org_id=actor.org_id)
        owner_org = own if owner is None else get_org(conn, short_name=owner)
    if owner_org.id != own.id and not (actor.role == Role.ADMIN and own.kind == OrgKind.HUB):
        raise Forbidden("only an admin of the hub may create a group owned by another organisation")
    # The same use case as the operator's `gotong group add`, once the actor may.
    return add_group_and_publish(
        engine, name=name, members=members, kind=str(kind), owner=owner_org.short_name, actor=_who(actor)
    )


def change_members(
    conn: Connection,
    *,
    actor: Principal,
    name: str,
    add: list[str] | None = None,
    remove: list[str] | None = None,
) -> SharingGroup:
    """Add and remove members; only admins and coordinators of the owning organisation may."""
    require_role(actor, *MANAGERS)
    if get_group(conn, name=name).owner != get_org(conn, org_id=actor.org_id).short_name:
        raise Forbidden(f"only the organisation that owns group {name!r} may change its members")
    return set_members(conn, name=name, add=add, remove=remove, actor=_who(actor))


def receipts_for(
    conn: Connection, *, actor: Principal, collection: str | None = None, stix_id: str | None = None
) -> list[Receipt]:
    """Who retrieved the objects ``actor``'s organisation submitted, per collection or per object.

    A collection ``actor`` may neither read nor write is not found, as one that does not exist."""
    require_member(actor)
    collection_id = view_for(conn, actor, collection).collection.id if collection else None
    org_id = get_org(conn, org_id=actor.org_id).id
    return list_receipts(conn, org_id=org_id, collection_id=collection_id, stix_id=stix_id)


def _who(actor: Principal) -> str:
    return actor.org_short or "api"
