"""Collections: named sets of STIX objects with per-organisation read and write rights."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from gotong.audit import Action, record
from gotong.core.auth import Principal, Role
from gotong.core.media import STIX_MEDIA_TYPE
from gotong.errors import Conflict, Forbidden, Invalid, NotFound
from gotong.intel.models import collection_access, collections
from gotong.orgs.service import get_org, list_orgs
from gotong.sharing.service import get_group, readable_collections
from gotong.stix.timestamps import now_micros

ALL = "all"


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    alias: str | None
    public: bool
    readers_all: bool
    writers_all: bool
    default_group_id: int | None
    repair: bool = False  # posts get the repairs of gotong.stix.repair (trusted writers' collections)


@dataclass(frozen=True)
class CollectionView:
    """A collection as one principal sees it, with its rights."""

    collection: Collection
    can_read: bool
    can_write: bool

    def taxii(self, *, addressed_as: str | None = None) -> dict[str, Any]:
        """The TAXII collection resource.

        Addressed by its alias, the collection answers with the alias as its ``id``: clients
        (the OASIS taxii2-client among them) check that the id they are given is the one in the URL
        they queried. The collections listing always gives the collection's own id.
        """
        c = self.collection
        resource: dict[str, Any] = {
            "id": addressed_as if addressed_as is not None and addressed_as == c.alias else c.id,
            "title": c.title,
            "can_read": self.can_read,
            "can_write": self.can_write,
            "media_types": [STIX_MEDIA_TYPE],
        }
        if c.description:
            resource["description"] = c.description
        if c.alias:
            resource["alias"] = c.alias
        return resource


def add_collection(
    conn: Connection,
    *,
    title: str,
    description: str = "",
    readers: list[str] | str = ALL,
    writers: list[str] | str = ALL,
    public: bool = False,
    alias: str | None = None,
    default_group: str | None = None,
    collection_id: str | None = None,
    actor: str = "system",
    repair: bool = False,
) -> Collection:
    """Create a collection; ``readers``/``writers`` are organisation short names or ``"all"``.

    ``repair``: objects posted to it over TAXII get the repairs of :mod:`gotong.stix.repair`, for a
    collection whose writers are trusted tools known to make those mistakes.
    """
    if not title.strip():
        raise Invalid("a collection needs a title")
    cid = collection_id or str(uuid.uuid4())
    if conn.execute(select(collections.c.id).where(collections.c.id == cid)).first():
        raise Conflict(f"collection {cid} already exists")
    if alias and conn.execute(select(collections.c.id).where(collections.c.alias == alias)).first():
        raise Conflict(f"a collection with alias {alias!r} already exists")
    group_id = get_group(conn, name=default_group).id if default_group else None
    readers_all, reader_ids = _rights(conn, readers)
    writers_all, writer_ids = _rights(conn, writers)
    conn.execute(
        insert(collections).values(
            id=cid,
            title=title.strip(),
            description=description,
            alias=alias,
            readers_all=readers_all,
            writers_all=writers_all,
            public=public,
            default_group_id=group_id,
            repair=repair,
            created_at=now_micros(),
        )
    )
    grants = [
        {"collection_id": cid, "org_id": org, "can_read": org in reader_ids, "can_write": org in writer_ids}
        for org in sorted(reader_ids | writer_ids)
    ]
    if grants:
        conn.execute(insert(collection_access), grants)
    record(
        conn,
        action=Action.COLLECTION_CREATE,
        actor=actor,
        actor_org_id=None,
        subject=cid,
        details={
            "title": title.strip(),
            "readers": readers,
            "writers": writers,
            "public": public,
            "default_group": default_group,
            "repair": repair,
        },
    )
    return get_collection(conn, cid)


def set_default_group(conn: Connection, *, collection_id: str, group: str | None) -> Collection:
    """Set (or clear) the audience of objects posted to the collection without a sharing group."""
    get_collection(conn, collection_id)
    group_id = get_group(conn, name=group).id if group else None
    conn.execute(
        update(collections).where(collections.c.id == collection_id).values(default_group_id=group_id)
    )
    return get_collection(conn, collection_id)


def set_rights(
    conn: Connection, *, collection_id: str, readers: list[str] | str, writers: list[str] | str
) -> None:
    """Replace the read and write rights of a collection."""
    get_collection(conn, collection_id)
    readers_all, reader_ids = _rights(conn, readers)
    writers_all, writer_ids = _rights(conn, writers)
    conn.execute(
        update(collections)
        .where(collections.c.id == collection_id)
        .values(readers_all=readers_all, writers_all=writers_all)
    )
    conn.execute(delete(collection_access).where(collection_access.c.collection_id == collection_id))
    grants = [
        {
            "collection_id": collection_id,
            "org_id": o,
            "can_read": o in reader_ids,
            "can_write": o in writer_ids,
        }
        for o in sorted(reader_ids | writer_ids)
    ]
    if grants:
        conn.execute(insert(collection_access), grants)


def get_collection(conn: Connection, collection_id: str) -> Collection:
    row = conn.execute(
        select(collections).where(
            (collections.c.id == collection_id) | (collections.c.alias == collection_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"no collection {collection_id!r}")
    return _collection(row)


def list_collections(conn: Connection) -> list[Collection]:
    return [_collection(r) for r in conn.execute(select(collections).order_by(collections.c.created_at))]


def views_for(conn: Connection, principal: Principal) -> list[CollectionView]:
    """Every collection the principal may read or write, with its rights."""
    rights = _Rights.of(conn, principal)
    return [v for v in (rights.view(c) for c in list_collections(conn)) if v.can_read or v.can_write]


def view_for(conn: Connection, principal: Principal, collection_id: str) -> CollectionView:
    """One collection as the principal sees it; a collection it has no right to does not exist for it.

    ``collection_id`` is the collection's id or its alias.
    """
    try:
        coll = get_collection(conn, collection_id)
    except NotFound:
        raise NotFound(f"no collection {collection_id!r} is available to you") from None
    view = _Rights.of(conn, principal).view(coll)
    if not (view.can_read or view.can_write):
        raise NotFound(f"no collection {collection_id!r} is available to you")
    return view


def require_read(view: CollectionView) -> None:
    if not view.can_read:
        raise Forbidden(f"you may not read collection {view.collection.id}")


def require_write(view: CollectionView) -> None:
    if not view.can_write:
        raise Forbidden(f"you may not write to collection {view.collection.id}")


@dataclass(frozen=True)
class _Rights:
    """What one principal may do with collections: read rights come from the sharing rules' reader
    (:func:`gotong.sharing.service.readable_collections`, the one place they are worked out)."""

    principal: Principal
    readable: frozenset[str]
    writable: frozenset[str]

    @classmethod
    def of(cls, conn: Connection, principal: Principal) -> _Rights:
        readable, _ = readable_collections(conn, principal)
        # A read-only token writes nowhere, whatever its organisation may.
        if principal.org_id is None or principal.role == Role.READONLY:
            return cls(principal, readable, frozenset())
        everyone = select(collections.c.id).where(collections.c.writers_all.is_(True))
        granted = select(collection_access.c.collection_id).where(
            collection_access.c.org_id == principal.org_id, collection_access.c.can_write.is_(True)
        )
        writable = frozenset(conn.execute(everyone).scalars()) | frozenset(conn.execute(granted).scalars())
        return cls(principal, readable, writable)

    def view(self, coll: Collection) -> CollectionView:
        return CollectionView(coll, can_read=coll.id in self.readable, can_write=coll.id in self.writable)


def _rights(conn: Connection, spec: list[str] | str) -> tuple[bool, set[int]]:
    names = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else spec
    names = [n for n in names if n]
    if any(n.lower() == ALL for n in names):
        return True, set()
    return False, {get_org(conn, short_name=n).id for n in names}


def _collection(row: Any) -> Collection:
    return Collection(
        id=row.id,
        title=row.title,
        description=row.description or "",
        alias=row.alias,
        public=bool(row.public),
        readers_all=bool(row.readers_all),
        writers_all=bool(row.writers_all),
        default_group_id=row.default_group_id,
        repair=bool(row.repair),
    )


@dataclass(frozen=True)
class CollectionRights:
    """A collection with who may read and write it: ``all``, or the organisations' short names."""

    collection: Collection
    readers: list[str] | str
    writers: list[str] | str


def list_collection_rights(conn: Connection) -> list[CollectionRights]:
    """Every collection with the names of its readers and writers (for operators)."""
    short = {o.id: o.short_name for o in list_orgs(conn)}
    granted: dict[str, dict[str, list[str]]] = {}
    for row in conn.execute(select(collection_access)):
        names = granted.setdefault(row.collection_id, {"read": [], "write": []})
        if row.can_read:
            names["read"].append(short[row.org_id])
        if row.can_write:
            names["write"].append(short[row.org_id])
    result = []
    for coll in list_collections(conn):
        names = granted.get(coll.id, {"read": [], "write": []})
        result.append(
            CollectionRights(
                collection=coll,
                readers=ALL if coll.readers_all else sorted(names["read"]),
                writers=ALL if coll.writers_all else sorted(names["write"]),
            )
        )
    return result
