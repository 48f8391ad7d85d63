"""Sharing groups (named audiences published as marking definitions) and building a Reader."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select

from gotong.audit import Action, record
from gotong.core.auth import Principal, Role
from gotong.errors import Conflict, Invalid, NotFound
from gotong.intel.models import collection_access, collections
from gotong.orgs.models import OrgKind, organisations
from gotong.orgs.service import get_org
from gotong.sharing.models import GroupKind, sharing_group_members, sharing_groups
from gotong.sharing.policy import Reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, now_micros

# Gotong's own extension that makes a marking-definition name an audience.
GROUP_EXTENSION_ID = "extension-definition--6f8c0f0e-3b2a-4c1d-9e7f-5a4b3c2d1e0f"
_MARKING_NAMESPACE = uuid.UUID("2d9f7c64-1b3e-5a8f-b0c2-7e6d5f4a3b21")


@dataclass(frozen=True)
class SharingGroup:
    id: int
    name: str
    kind: GroupKind
    owner: str
    marking_id: str
    members: tuple[str, ...]
    created_at: int
    members_withheld: bool = False  # the reader may not learn the members (sharing.policy.may_know_members)


def add_group(
    conn: Connection,
    *,
    name: str,
    members: list[str],
    kind: GroupKind = GroupKind.COMMUNITY,
    owner: str,
    actor: str = "system",
) -> SharingGroup:
    """Create a sharing group; its marking-definition id is what objects cite to address it."""
    if not name.strip() or len(name) > 100:
        raise Invalid("a sharing group needs a name of 1-100 characters")
    if conn.execute(select(sharing_groups.c.id).where(sharing_groups.c.name == name)).first():
        raise Conflict(f"sharing group {name!r} already exists")
    owner_org = get_org(conn, short_name=owner)
    member_ids = [get_org(conn, short_name=m).id for m in _dedupe(members)]
    group_id = conn.execute(
        insert(sharing_groups)
        .values(
            name=name,
            kind=str(kind),
            owner_org_id=owner_org.id,
            marking_id=f"marking-definition--{uuid.uuid5(_MARKING_NAMESPACE, name)}",
            created_at=now_micros(),
        )
        .returning(sharing_groups.c.id)
    ).scalar_one()
    if member_ids:
        conn.execute(insert(sharing_group_members), [{"group_id": group_id, "org_id": m} for m in member_ids])
    group = get_group(conn, name=name)
    record(
        conn,
        action=Action.GROUP_CREATE,
        actor=actor,
        actor_org_id=owner_org.id,
        subject=name,
        details={"kind": str(kind), "members": list(group.members), "marking_id": group.marking_id},
    )
    return group


def set_members(
    conn: Connection,
    *,
    name: str,
    add: list[str] | None = None,
    remove: list[str] | None = None,
    actor: str = "system",
) -> SharingGroup:
    """Add and remove members; reads see the change at once (audiences are resolved at read time)."""
    group = get_group(conn, name=name)
    for short in _dedupe(add or []):
        org_id = get_org(conn, short_name=short).id
        exists = conn.execute(
            select(sharing_group_members).where(
                sharing_group_members.c.group_id == group.id, sharing_group_members.c.org_id == org_id
            )
        ).first()
        if exists is None:
            conn.execute(insert(sharing_group_members).values(group_id=group.id, org_id=org_id))
    for short in _dedupe(remove or []):
        org_id = get_org(conn, short_name=short).id
        conn.execute(
            delete(sharing_group_members).where(
                sharing_group_members.c.group_id == group.id, sharing_group_members.c.org_id == org_id
            )
        )
    updated = get_group(conn, name=name)
    record(
        conn,
        action=Action.GROUP_MEMBERS,
        actor=actor,
        actor_org_id=None,
        subject=name,
        details={
            "added": _dedupe(add or []),
            "removed": _dedupe(remove or []),
            "members": list(updated.members),
        },
    )
    return updated


def get_group(conn: Connection, *, name: str | None = None, group_id: int | None = None) -> SharingGroup:
    query = select(sharing_groups, organisations.c.short_name.label("owner")).join(
        organisations, organisations.c.id == sharing_groups.c.owner_org_id
    )
    query = query.where(
        sharing_groups.c.id == group_id if group_id is not None else sharing_groups.c.name == name
    )
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no sharing group {name or group_id!r}")
    return _group(conn, row)


def list_groups(conn: Connection) -> list[SharingGroup]:
    rows = conn.execute(
        select(sharing_groups, organisations.c.short_name.label("owner"))
        .join(organisations, organisations.c.id == sharing_groups.c.owner_org_id)
        .order_by(sharing_groups.c.id)
    ).all()
    return [_group(conn, row) for row in rows]


def group_ids_by_marking(conn: Connection) -> dict[str, int]:
    """Map each sharing group's marking-definition id to the group's id."""
    return {
        r.marking_id: r.id for r in conn.execute(select(sharing_groups.c.marking_id, sharing_groups.c.id))
    }


def group_marking_definition(group: SharingGroup, *, node_identity: str | None = None) -> dict[str, Any]:
    """The STIX marking-definition that publishes a sharing group.

    It names the group, not its members: membership lives on the node and may change at any time
    without a new marking (marking definitions cannot be versioned in STIX 2.1).
    """
    marking: dict[str, Any] = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": group.marking_id,
        "created": format_micros(group.created_at, digits=3),
        "name": f"Gotong sharing group: {group.name}",
        "extensions": {
            GROUP_EXTENSION_ID: {
                "extension_type": "property-extension",
                "group_name": group.name,
                "group_kind": str(group.kind),
            }
        },
    }
    if node_identity:
        marking["created_by_ref"] = node_identity
    marking["object_marking_refs"] = [TLP.CLEAR.marking_id]
    return marking


def load_reader(conn: Connection, principal: Principal) -> Reader:
    """Everything the sharing rules need about ``principal``, read fresh from the database."""
    readable, default_groups = readable_collections(conn, principal)
    ceiling = TLP.RED if principal.tlp_ceiling is None else TLP(principal.tlp_ceiling)
    if principal.org_id is None:
        return Reader(org_id=None, readable=readable, default_groups=default_groups, ceiling=ceiling)
    lineage = _lineage(conn, principal.org_id)
    memberships = conn.execute(
        select(sharing_group_members.c.group_id, sharing_group_members.c.org_id, sharing_groups.c.kind)
        .join(sharing_groups, sharing_groups.c.id == sharing_group_members.c.group_id)
        .where(or_(*[sharing_group_members.c.org_id == o for o in lineage]))
    ).all()
    own = [m for m in memberships if m.org_id == principal.org_id]
    hub_admin = principal.role == Role.ADMIN and get_org(conn, org_id=principal.org_id).kind == OrgKind.HUB
    return Reader(
        org_id=principal.org_id,
        readable=readable,
        member_groups=frozenset(m.group_id for m in own),
        amber_groups=frozenset(m.group_id for m in memberships),
        named_groups=frozenset(m.group_id for m in own if m.kind == GroupKind.NAMED_RECIPIENTS),
        default_groups=default_groups,
        hub_admin=hub_admin,
        ceiling=ceiling,
    )


def readable_collections(
    conn: Connection, principal: Principal
) -> tuple[frozenset[str], dict[str, int | None]]:
    """The collections ``principal`` may read, and each collection's default group.

    The one place read rights are worked out: an unauthenticated reader reads public collections;
    an organisation also those readable by all and those granted to it.
    """
    coll_rows = conn.execute(
        select(
            collections.c.id, collections.c.readers_all, collections.c.public, collections.c.default_group_id
        )
    ).all()
    default_groups = {r.id: r.default_group_id for r in coll_rows}
    if principal.org_id is None:
        return frozenset(r.id for r in coll_rows if r.public), default_groups
    granted = {
        r.collection_id
        for r in conn.execute(
            select(collection_access.c.collection_id).where(
                collection_access.c.org_id == principal.org_id, collection_access.c.can_read.is_(True)
            )
        )
    }
    readable = frozenset(r.id for r in coll_rows if r.readers_all or r.public or r.id in granted)
    return readable, default_groups


def _lineage(conn: Connection, org_id: int) -> list[int]:
    """The organisation and its ancestors (a constituent's national CERT, and so on)."""
    parents = {r.id: r.parent_id for r in conn.execute(select(organisations.c.id, organisations.c.parent_id))}
    chain: list[int] = []
    current: int | None = org_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def _group(conn: Connection, row: Any) -> SharingGroup:
    members = conn.execute(
        select(organisations.c.short_name)
        .join(sharing_group_members, sharing_group_members.c.org_id == organisations.c.id)
        .where(sharing_group_members.c.group_id == row.id)
        .order_by(organisations.c.short_name)
    ).scalars()
    return SharingGroup(
        id=row.id,
        name=row.name,
        kind=GroupKind(row.kind),
        owner=row.owner,
        marking_id=row.marking_id,
        members=tuple(members),
        created_at=row.created_at,
    )


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for name in names:
        if name.strip():
            seen.setdefault(name.strip(), None)
    return list(seen)


def group_marking(conn: Connection, *, name: str) -> dict[str, Any]:
    """The STIX marking-definition that publishes the sharing group ``name``."""
    return group_marking_definition(get_group(conn, name=name))
