"""Publishing what standard STIX clients need to address audiences on this node.

A collection readable by every organisation holds the identities of the organisations, the Gotong
sharing-group ``extension-definition`` and one ``marking-definition`` per sharing group. A client
addresses a group by putting the group's marking id in an object's ``object_marking_refs``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import write_transaction
from gotong.errors import Invalid, NotFound
from gotong.intel.collections import add_collection, get_collection
from gotong.intel.store import add_objects
from gotong.orgs.models import OrgKind
from gotong.orgs.service import Organisation, add_org, hub, list_orgs
from gotong.sharing.models import GroupKind
from gotong.sharing.service import (
    GROUP_EXTENSION_ID,
    SharingGroup,
    add_group,
    get_group,
    group_marking_definition,
    list_groups,
)
from gotong.sharing.tlp import TLP

DEFINITIONS_ALIAS = "gotong-definitions"
_PUBLISHED = "2026-11-01T00:00:00.000Z"
_IDENTITY_CLASS = {
    OrgKind.HUB: "organization",
    OrgKind.NATIONAL_CERT: "organization",
    OrgKind.CONSTITUENT: "organization",
    OrgKind.PARTNER: "organization",
    OrgKind.TASKFORCE: "organization",
}


def publish_definitions(engine: Engine) -> int:
    """Store (idempotently) identities, the group extension and every group's marking; returns new ones."""
    with write_transaction(engine) as conn:
        try:
            coordinator = hub(conn)
        except NotFound:
            return 0  # a node without a hub has nobody to publish under
        try:
            collection_id = get_collection(conn, DEFINITIONS_ALIAS).id
        except NotFound:
            collection_id = add_collection(
                conn,
                title="Gotong definitions",
                description="Identities of the organisations and the sharing groups objects can address",
                alias=DEFINITIONS_ALIAS,
                readers="all",
                writers=[coordinator.short_name],
            ).id
        objects: list[dict[str, Any]] = [_extension_definition(coordinator)]
        objects += [_identity(org) for org in list_orgs(conn)]
        objects += [
            group_marking_definition(g, node_identity=coordinator.identity_id) for g in list_groups(conn)
        ]
    report = add_objects(
        engine,
        principal=Principal(org_id=coordinator.id, org_short=coordinator.short_name),
        collection_id=collection_id,
        objects=objects,
        through_hub=False,
    )
    return sum(1 for s in report.successes if s.message != "already present")


def _extension_definition(coordinator: Organisation) -> dict[str, Any]:
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": GROUP_EXTENSION_ID,
        "created_by_ref": coordinator.identity_id,
        "created": _PUBLISHED,
        "modified": _PUBLISHED,
        "name": "Gotong sharing group",
        "description": "Marks a marking-definition as naming a Gotong sharing group (an audience).",
        "schema": "group_name (string): the group's name; group_kind (string): community or named-recipients",
        "version": "1.0.0",
        "extension_types": ["property-extension"],
        "object_marking_refs": [TLP.CLEAR.marking_id],
    }


def _identity(org: Organisation) -> dict[str, Any]:
    identity: dict[str, Any] = {
        "type": "identity",
        "spec_version": "2.1",
        "id": org.identity_id,
        "created": _PUBLISHED,
        "modified": _PUBLISHED,
        "name": org.name,
        "identity_class": _IDENTITY_CLASS[org.kind],
        "object_marking_refs": [TLP.CLEAR.marking_id],
        "x_gotong_short_name": org.short_name,
        "x_gotong_kind": str(org.kind),
    }
    if org.country:
        identity["x_gotong_country"] = org.country
    return identity


def add_org_and_publish(
    engine: Engine,
    *,
    short_name: str,
    name: str,
    country: str | None = None,
    kind: str = "national-cert",
    parent: str | None = None,
    actor: str = "system",
) -> Organisation:
    """Add an organisation, then publish its STIX identity in the definitions collection."""
    try:
        org_kind = OrgKind(kind)
    except ValueError:
        raise Invalid(f"unknown organisation kind {kind!r}; use one of {', '.join(ORG_KINDS)}") from None
    with write_transaction(engine) as conn:
        created = add_org(
            conn, short_name=short_name, name=name, country=country, kind=org_kind, parent=parent, actor=actor
        )
    publish_definitions(engine)
    return created


def add_group_and_publish(
    engine: Engine,
    *,
    name: str,
    members: list[str],
    kind: str = "community",
    owner: str | None = None,
    actor: str = "system",
) -> SharingGroup:
    """Create a sharing group (owned by the hub unless ``owner``), then publish its marking."""
    try:
        group_kind = GroupKind(kind)
    except ValueError:
        raise Invalid(f"unknown group kind {kind!r}; use one of {', '.join(GROUP_KINDS)}") from None
    with write_transaction(engine) as conn:
        created = add_group(
            conn,
            name=name,
            members=members,
            kind=group_kind,
            owner=owner or hub(conn).short_name,
            actor=actor,
        )
    publish_definitions(engine)
    return created


ORG_KINDS = tuple(k.value for k in OrgKind)
GROUP_KINDS = tuple(k.value for k in GroupKind)


def parties_group(engine: Engine, *, name: str, members: list[str], owner: str, what: str) -> SharingGroup:
    """The named-recipients group ``name`` of exactly ``members``, made (and published) on first use.

    Domains that mark a record for its parties only (a member and the taskforce, say) ask for their
    group here. A group of that name that holds anyone else, or is not a named-recipients group,
    would widen who sees the record: it is refused, and the caller names a group of its own for the
    ``what`` (e.g. "report") instead.
    """
    wanted = sorted(set(members))
    with write_transaction(engine) as conn:
        try:
            found: SharingGroup | None = get_group(conn, name=name)
        except NotFound:
            found = None
        if found is not None:
            if sorted(found.members) != wanted or found.kind != GroupKind.NAMED_RECIPIENTS:
                raise Invalid(
                    f"sharing_group: the group {name!r} no longer holds just {', '.join(wanted)}; "
                    f"name a sharing_group for this {what}"
                )
            return found
        group = add_group(
            conn, name=name, members=wanted, kind=GroupKind.NAMED_RECIPIENTS, owner=owner, actor="gotong"
        )
    publish_definitions(engine)  # so TAXII clients can resolve the group's marking
    return group
