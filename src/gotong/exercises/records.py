"""The exercise domain's shared plumbing: where its records live (the exercise collection, made on
first use), the named-recipients groups that address them, look-ups through the reader's view, names,
and the timestamps of new versions. No rule of the domain and no visibility decision lives here."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal
from gotong.db.engine import write_transaction
from gotong.errors import Invalid, NotFound
from gotong.exercises import storage
from gotong.exercises.objects import EXERCISE_TYPE
from gotong.intel.collections import add_collection, get_collection
from gotong.orgs.service import Organisation, get_org, hub, list_orgs
from gotong.sharing.definitions import publish_definitions
from gotong.sharing.models import GroupKind
from gotong.sharing.service import SharingGroup, add_group, get_group, list_groups, load_reader
from gotong.stix.timestamps import format_micros, micros_of

EXERCISE_COLLECTION = "gotong-exercises"
"""The alias of the exercise collection (made on first use, readable and writable by every
organisation: who sees a record is its markings' decision). Participants share their drill
indicators here, marked with ``x_gotong_exercise``."""
SYSTEM = "gotong"
COLLECTION_ID = str(uuid.uuid5(uuid.UUID("6f1d3c2a-0b7e-4f55-9a61-2c8e5d4b7a10"), EXERCISE_COLLECTION))
"""The exercise collection's id on a node that makes it (the same on every node, so a drill's records
federate between the hub and its participants' national nodes; a node that made it earlier keeps its
own id)."""


def find(conn: Connection, reader: Any, exercise_id: str) -> tuple[str, dict[str, Any]]:
    if not exercise_id.startswith(f"{EXERCISE_TYPE}--"):
        raise NotFound(f"{exercise_id!r} is not an exercise id ({EXERCISE_TYPE}--<UUID>)")
    collection = existing_collection(conn)
    if collection is not None:
        for obj in storage.latest(conn, reader, collection, types=(EXERCISE_TYPE,), ids=(exercise_id,)):
            return collection, obj
    raise NotFound(f"no exercise {exercise_id} is visible to you")


def one(conn: Connection, reader: Any, collection: str, kind: str, stix_id: str, what: str) -> dict[str, Any]:
    if not stix_id.startswith(f"{kind}--"):
        raise NotFound(f"{stix_id!r} is not an {what} id ({kind}--<UUID>)")
    for obj in storage.latest(conn, reader, collection, types=(kind,), ids=(stix_id,)):
        return obj
    raise NotFound(f"no {what} {stix_id} is visible to you")


def participants(conn: Connection, names: list[str], controller: Organisation) -> list[Organisation]:
    found: list[Organisation] = []
    for name in dict.fromkeys(n.strip() for n in names):
        org = get_org(conn, short_name=name)
        if org.id == controller.id:
            raise Invalid("participants: the hub runs the exercise; it does not take part in it")
        found.append(org)
    return found


def group(engine: Engine, name: str, members: list[str], controller: Organisation) -> SharingGroup:
    """A named-recipients group of exactly ``members``, made on first use."""
    with write_transaction(engine) as conn:
        try:
            found: SharingGroup | None = get_group(conn, name=name)
        except NotFound:
            found = None
        if found is not None:
            if set(found.members) != set(members) or found.kind != GroupKind.NAMED_RECIPIENTS:
                raise Invalid(f"the sharing group {name!r} no longer holds just {', '.join(sorted(members))}")
            return found
        group = add_group(
            conn,
            name=name,
            members=members,
            kind=GroupKind.NAMED_RECIPIENTS,
            owner=controller.short_name,
            actor=SYSTEM,
        )
    publish_definitions(engine)
    return group


def collection(engine: Engine) -> str:
    with write_transaction(engine) as conn:
        try:
            return get_collection(conn, EXERCISE_COLLECTION).id
        except NotFound:
            return add_collection(
                conn,
                collection_id=COLLECTION_ID,
                title="Exercises",
                description="Regional drills: injects, responses, scores; nothing here is real intelligence",
                alias=EXERCISE_COLLECTION,
                readers="all",
                writers="all",
                actor=SYSTEM,
            ).id


def existing_collection(conn: Connection) -> str | None:
    try:
        return get_collection(conn, EXERCISE_COLLECTION).id
    except NotFound:
        return None


def parties(conn: Connection, exercise_id: str) -> frozenset[str]:
    """The identities of an exercise's participants and controller, as this node's hub sees the
    exercise record (none when it sees no such exercise)."""
    try:
        controller = hub(conn)
        _collection, obj = find(conn, hub_reader(conn, controller), exercise_id)
    except NotFound:
        return frozenset()
    return frozenset([*obj.get("participant_refs", []), obj.get("controller_ref", controller.identity_id)])


def hub_reader(conn: Connection, controller: Organisation) -> Any:
    return load_reader(conn, Principal(org_id=controller.id, org_short=controller.short_name))


def names(conn: Connection) -> dict[str, str]:
    return {o.identity_id: o.short_name for o in list_orgs(conn)}


def groups(conn: Connection) -> dict[str, str]:
    return {g.marking_id: g.name for g in list_groups(conn)}


def org_by_identity(conn: Connection, identity_id: str) -> Organisation:
    for org in list_orgs(conn):
        if org.identity_id == identity_id:
            return org
    raise NotFound(f"no organisation here has the identity {identity_id}")


def entry(event: str, at: str, actor: Principal) -> dict[str, str]:
    return {"event": event, "at": at, "by": actor.org_short or SYSTEM}


def ts(micros: int) -> str:
    return format_micros(micros, digits=3)


def after(previous: str, at: int) -> str:
    """A ``modified`` later than ``previous``, so each change is a new version."""
    return ts(max(at, micros_of(previous) + 1000))
