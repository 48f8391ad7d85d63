"""What the taskforce's verbs share (its seats, motions and measures in ``service.py``, its agenda in
``agenda.py``): the taskforce organisation with its collection and deliberation group (made on first
use), the write as the taskforce, the reader it reads its own records as, the states that hold a seat,
and timestamps. Nothing here decides visibility: the records' markings do, through the read path.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Invalid, NotFound
from gotong.intel.collections import add_collection, get_collection
from gotong.orgs.models import OrgKind
from gotong.orgs.service import Organisation, hub, list_orgs, taskforce
from gotong.sharing.definitions import publish_definitions
from gotong.sharing.models import GroupKind
from gotong.sharing.policy import Reader
from gotong.sharing.service import SharingGroup, add_group, get_group, load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, micros_of, now_micros
from gotong.taskforce import objects, storage
from gotong.taskforce.models import SEAT_PER

TASKFORCE_COLLECTION = "gotong-taskforce"
"""The alias of the collection the taskforce's records are stored in (made on first use; readable by
every member, written by the taskforce organisation only: who sees a record is its markings' decision)."""
SYSTEM = "gotong"
"""The actor the node records for what no user did (the group and collection made, a decision signed)."""


def setup(engine: Engine) -> tuple[Organisation, SharingGroup]:
    """The taskforce organisation, its collection and its group (made on first use)."""
    with write_transaction(engine) as conn:
        tf = taskforce(conn)
        if tf is None:
            raise NotFound(
                "this network has no taskforce organisation (a preset organisation of kind taskforce)"
            )
        name = f"taskforce {tf.short_name}"
        try:
            group = get_group(conn, name=name)
            made = False
        except NotFound:
            group = add_group(
                conn,
                name=name,
                members=[tf.short_name],
                kind=GroupKind.NAMED_RECIPIENTS,
                owner=tf.short_name,
                actor=SYSTEM,
            )
            made = True
        if set(group.members) != {tf.short_name}:
            raise Invalid(
                f"the sharing group {name!r} holds others than the taskforce ({', '.join(group.members)})"
            )
        try:
            get_collection(conn, TASKFORCE_COLLECTION)
        except NotFound:
            add_collection(
                conn,
                title="Taskforce",
                description="Seats, reviews, motions, votes, decisions and measures of the taskforce",
                alias=TASKFORCE_COLLECTION,
                readers="all",
                writers=[tf.short_name],
                actor=SYSTEM,
            )
            made = True
    if made:
        publish_definitions(engine)
        with read_connection(engine) as conn:
            by = publisher(conn, tf)
        write(engine, tf, objects.extension_definitions(by, TLP.CLEAR.marking_id))
    return tf, group


def publisher(conn: Connection, tf: Organisation) -> str:
    """The identity that publishes the taskforce types' definitions: the hub's, else the taskforce's."""
    try:
        return hub(conn).identity_id
    except NotFound:
        return tf.identity_id


def write(engine: Engine, tf: Organisation, objs: list[dict[str, Any]]) -> None:
    """Store the objects of one change in the taskforce's collection, as the taskforce."""
    with read_connection(engine) as conn:
        collection = collection_id(conn)
    storage.write(engine, principal(tf), collection, objs)


def principal(tf: Organisation) -> Principal:
    """The taskforce organisation acting with no user (the node's clocks, its command line)."""
    return Principal(org_id=tf.id, org_short=tf.short_name)


def system_reader(conn: Connection, tf: Organisation) -> Reader:
    """The reader the node reads the taskforce's own records as: the taskforce organisation's."""
    return load_reader(conn, principal(tf))


def existing_collection(conn: Connection) -> str | None:
    """The id of the taskforce's collection, or None before its first record."""
    try:
        return get_collection(conn, TASKFORCE_COLLECTION).id
    except NotFound:
        return None


def collection_id(conn: Connection) -> str:
    found = existing_collection(conn)
    if found is None:
        raise NotFound("the taskforce has no records yet")
    return found


def states(conn: Connection) -> dict[str, str]:
    """state code -> the short name of its national CERT: the states that have a seat."""
    return {o.country: o.short_name for o in list_orgs(conn) if o.kind == OrgKind(SEAT_PER) and o.country}


def ts(micros: int) -> str:
    return format_micros(micros, digits=3)


def stamp(now: int | None) -> str:
    """``now`` (the clock's when None) as a STIX timestamp."""
    return ts(now if now is not None else now_micros())


def after(previous: str, at: int | None) -> str:
    """A ``modified`` later than ``previous``, so each change is a new version."""
    return ts(max(at if at is not None else now_micros(), micros_of(previous) + 1000))
