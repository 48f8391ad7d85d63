"""What the assessments' and the plans' verbs share: their collection, their default audience (a
named group of the organisation and the hub), the TLPs a record may carry, organisation names, and
timestamps. Nothing here decides visibility.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal
from gotong.db.engine import write_transaction
from gotong.errors import Invalid, NotFound
from gotong.intel.collections import add_collection, get_collection
from gotong.orgs.service import Organisation, hub, list_orgs
from gotong.sharing.definitions import publish_definitions
from gotong.sharing.models import GroupKind
from gotong.sharing.service import SharingGroup, add_group, get_group, list_groups
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, micros_of

MATURITY_COLLECTION = "gotong-maturity"
"""The alias of the collection assessments and plans are stored in (made on first use, readable and
writable by every organisation: who sees a record is its markings' decision, not the collection's)."""
SYSTEM = "gotong"
ALLOWED_TLP = (TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)


def entry(event: str, at: str, by: str, reason: str) -> dict[str, str]:
    return {"event": event, "at": at, "by": by, "reason": reason}


OWN = (
    "type",
    "spec_version",
    "id",
    "created",
    "modified",
    "created_by_ref",
    "name",
    "description",
    "object_marking_refs",
    "extensions",
)


def props(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k not in OWN}


def tlp(text: str) -> TLP:
    tlp = TLP.parse(text)
    if tlp not in ALLOWED_TLP:
        allowed = ", ".join(t.slug for t in ALLOWED_TLP)
        raise Invalid(f"tlp: an assessment or plan is marked {allowed}, never {tlp.slug}")
    return tlp


def check_audience(group: SharingGroup, tlp: TLP, org: Organisation) -> None:
    if org.short_name not in group.members:
        raise Invalid(f"sharing_group: {group.name!r} does not include {org.short_name}, whose record it is")
    if tlp == TLP.RED and group.kind != GroupKind.NAMED_RECIPIENTS:
        raise Invalid(f"sharing_group: TLP:RED needs a named-recipients group; {group.name!r} is not one")


def pair_group(engine: Engine, org: Organisation, other: Organisation) -> SharingGroup:
    """The named-recipients group of an organisation and the hub (or its reviewer), made on first use."""
    members = sorted({org.short_name, other.short_name})
    name = "maturity " + "+".join(members)
    with write_transaction(engine) as conn:
        try:
            found = get_group(conn, name=name)
        except NotFound:
            found = None
        if found is not None:
            # A group of that name holding anyone else would widen who sees the assessment: refuse.
            if sorted(found.members) != members or found.kind != GroupKind.NAMED_RECIPIENTS:
                raise Invalid(
                    f"sharing_group: the group {name!r} no longer holds just {', '.join(members)}; "
                    "name a sharing_group"
                )
            return found
        group = add_group(
            conn,
            name=name,
            members=members,
            kind=GroupKind.NAMED_RECIPIENTS,
            owner=org.short_name,
            actor=SYSTEM,
        )
    publish_definitions(engine)
    return group


def collection(engine: Engine) -> str:
    with write_transaction(engine) as conn:
        try:
            return get_collection(conn, MATURITY_COLLECTION).id
        except NotFound:
            return add_collection(
                conn,
                title="Maturity assessments and capacity plans",
                description="Members' maturity assessments and capacity plans; each seen by the audience "
                "its organisation chose",
                alias=MATURITY_COLLECTION,
                readers="all",
                writers="all",
                actor=SYSTEM,
            ).id


def hub_or_none(conn: Connection) -> Organisation | None:
    try:
        return hub(conn)
    except NotFound:
        return None


def publisher(conn: Connection, org: Organisation) -> str:
    found = hub_or_none(conn)
    return found.identity_id if found else org.identity_id


def names(conn: Connection) -> dict[str, str]:
    return {o.identity_id: o.short_name for o in list_orgs(conn)}


def groups(conn: Connection) -> dict[str, str]:
    return {g.marking_id: g.name for g in list_groups(conn)}


def org_by_identity(conn: Connection, identity_id: str) -> Organisation:
    for org in list_orgs(conn):
        if org.identity_id == identity_id:
            return org
    raise NotFound(f"no organisation here has the identity {identity_id}")


def org_id(actor: Principal) -> int:
    if actor.org_id is None:
        raise Invalid("only an authenticated organisation can do this")
    return actor.org_id


def ts(micros: int) -> str:
    return format_micros(micros, digits=3)


def after(previous: str, at: int) -> str:
    """A ``modified`` later than ``previous``, so each change is a new version."""
    return ts(max(at, micros_of(previous) + 1000))
