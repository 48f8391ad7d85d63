"""The read path: pages of stored versions, filtered TAXII-style and by the sharing rules.

Every query here carries :func:`gotong.sharing.policy.visibility_clause`, so a page, its ``more``
flag and its date headers only ever reflect what the reader may see.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, exists, false, or_, select, true
from sqlalchemy.sql import Select

from gotong.audit import Action, record
from gotong.core.events import DeletedVersion, ObjectsDeleted, publish
from gotong.core.media import STIX_MEDIA_TYPE
from gotong.errors import Forbidden, Invalid, NotFound
from gotong.intel.digest import version_digest
from gotong.intel.limits import check_filter_values, parse_count
from gotong.intel.models import stix_objects
from gotong.sharing.policy import Reader, visibility_clause
from gotong.stix.timestamps import TimestampError, format_micros, micros_of, now_micros

SPEC_VERSION = "2.1"
MEDIA_TYPE = STIX_MEDIA_TYPE


@dataclass(frozen=True)
class ObjectFilter:
    """TAXII's ``added_after`` and ``match[...]`` filters, parsed."""

    added_after: int | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str | int, ...] = ("last",)
    spec_versions: tuple[str, ...] = ()
    # When set, indicators whose valid_until is at or before this time are left out.
    active_at: int | None = None

    def __post_init__(self) -> None:
        # However a filter is built (query string, route, service), it is bounded before any query.
        check_filter_values("match[id]", self.ids)
        check_filter_values("match[type]", self.types)
        check_filter_values("match[version]", self.versions)
        check_filter_values("match[spec_version]", self.spec_versions)

    @classmethod
    def parse(
        cls,
        *,
        added_after: str | None = None,
        ids: str | None = None,
        types: str | None = None,
        versions: str | None = None,
        spec_versions: str | None = None,
        default_version: str = "last",
    ) -> ObjectFilter:
        """Read filter values as they arrive in a query string; bad values raise :class:`Invalid`."""
        after = None
        if added_after is not None:
            try:
                after = micros_of(added_after)
            except TimestampError as exc:
                raise Invalid(f"added_after: {exc}") from None
        parsed_versions: list[str | int] = []
        wanted_versions = _split(versions) or [default_version]
        check_filter_values("match[version]", wanted_versions)  # before parsing each one
        for value in wanted_versions:
            if value in {"first", "last", "all"}:
                parsed_versions.append(value)
            else:
                try:
                    parsed_versions.append(micros_of(value))
                except TimestampError:
                    raise Invalid(
                        f"match[version]: {value!r} is not 'first', 'last', 'all' or a timestamp"
                    ) from None
        specs = _split(spec_versions)
        for spec in specs:
            if spec not in {"2.0", "2.1"}:
                raise Invalid(f"match[spec_version]: {spec!r} is not a STIX version (2.0 or 2.1)")
        return cls(
            added_after=after,
            ids=tuple(_split(ids)),
            types=tuple(_split(types)),
            versions=tuple(parsed_versions),
            spec_versions=tuple(specs),
        )


@dataclass(frozen=True)
class StoredVersion:
    stix_id: str
    version: int
    date_added: int
    body: str
    seq: int = 0
    submitter_org_id: int = 0
    tlp: int | None = None  # the level stored (the submitter's default for an unmarked object)

    @property
    def version_text(self) -> str:
        return render_timestamp(self.version)

    @property
    def date_added_text(self) -> str:
        return render_timestamp(self.date_added)

    def manifest(self) -> dict[str, Any]:
        return {
            "id": self.stix_id,
            "date_added": self.date_added_text,
            "version": self.version_text,
            "media_type": MEDIA_TYPE,
        }


@dataclass(frozen=True)
class Page:
    items: list[StoredVersion]
    more: bool
    next: str | None

    def retrieved_by(self, org_id: int | None) -> list[int]:
        """Sequence numbers of the versions on this page that ``org_id`` did not submit itself."""
        return [i.seq for i in self.items if i.submitter_org_id != org_id]

    @property
    def first_added(self) -> str | None:
        return self.items[0].date_added_text if self.items else None

    @property
    def last_added(self) -> str | None:
        return self.items[-1].date_added_text if self.items else None


def render_timestamp(micros: int) -> str:
    """Millisecond precision when that loses nothing, microseconds otherwise."""
    return format_micros(micros, digits=3 if micros % 1000 == 0 else 6)


def encode_cursor(date_added: int) -> str:
    return base64.urlsafe_b64encode(f"g1:{date_added}".encode()).decode().rstrip("=")


def decode_cursor(token: str) -> int:
    """The ``date_added`` a ``next`` token stands for; anything else is :class:`Invalid`."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        prefix, _, value = raw.partition(":")
        if prefix != "g1":
            raise ValueError
        return parse_count("next", value)
    except (ValueError, binascii.Error, UnicodeDecodeError, Invalid):
        raise Invalid(f"next: {token!r} is not a paging token issued by this server") from None


def read_page(
    conn: Connection,
    *,
    reader: Reader,
    collection_id: str,
    filters: ObjectFilter,
    limit: int,
    cursor: str | None = None,
) -> Page:
    """One page of the versions the reader may see, oldest ``date_added`` first."""
    o = stix_objects
    query = select(
        o.c.stix_id, o.c.version, o.c.date_added, o.c.body, o.c.seq, o.c.submitter_org_id, o.c.tlp
    ).where(_conditions(reader, collection_id, filters, cursor))
    return _page(conn, query.order_by(o.c.date_added).limit(limit + 1), limit)


def read_page_all_collections(
    conn: Connection, *, reader: Reader, filters: ObjectFilter, limit: int, cursor: str | None = None
) -> Page:
    """Like :func:`read_page` over every collection the reader may read (exports)."""
    o = stix_objects
    query = select(
        o.c.stix_id, o.c.version, o.c.date_added, o.c.body, o.c.seq, o.c.submitter_org_id, o.c.tlp
    ).where(_conditions(reader, None, filters, cursor))
    return _page(conn, query.order_by(o.c.date_added).limit(limit + 1), limit)


def delete_versions(
    conn: Connection,
    *,
    reader: Reader,
    collection_id: str,
    stix_id: str,
    filters: ObjectFilter,
    actor: str = "system",
) -> int:
    """Delete the matching versions of one object; only the submitting organisation may.

    Versions the caller cannot see are neither counted nor touched; if the caller sees matching
    versions submitted by another organisation, nothing is deleted.
    """
    o = stix_objects
    narrowed = ObjectFilter(
        ids=(stix_id,), versions=filters.versions or ("all",), spec_versions=filters.spec_versions
    )
    # Every visible row, duplicates included: the caller's own submission may sit behind another's.
    rows = conn.execute(
        select(o).where(_conditions(reader, collection_id, narrowed, None, first_of_each=False))
    ).all()
    if not rows:
        raise NotFound(f"no object {stix_id} in this collection is visible to you")
    if any(r.submitter_org_id != reader.org_id for r in rows):
        raise Forbidden(f"only the organisation that submitted {stix_id} may delete it")
    conn.execute(delete(o).where(o.c.seq.in_([r.seq for r in rows])))
    # Federation keeps a tombstone per version (in this transaction) to carry the deletion to peers.
    publish(
        conn,
        ObjectsDeleted(
            collection_id=collection_id,
            stix_id=stix_id,
            deleted_by_org_id=reader.org_id,
            versions=tuple(DeletedVersion(r.version, r.tlp, r.group_id, r.submitter_org_id) for r in rows),
            deleted_at=now_micros(),
        ),
    )
    record(
        conn,
        action=Action.OBJECTS_DELETE,
        actor=actor,
        actor_org_id=reader.org_id,
        subject=stix_id,
        # Each removed version's digest, so that the store still matches the checkpoints signed
        # before this deletion (gotong.intel.digest): a deletion outside this path does not.
        details={
            "collection": collection_id,
            "versions": len(rows),
            "removed": [[r.date_added, version_digest(r)] for r in rows],
        },
    )
    return len(rows)


def _page(conn: Connection, query: Select[Any], limit: int) -> Page:
    rows = conn.execute(query).all()
    more = len(rows) > limit
    items = [
        StoredVersion(
            r.stix_id, r.version, r.date_added, r.body, r.seq, r.submitter_org_id, getattr(r, "tlp", None)
        )
        for r in rows[:limit]
    ]
    return Page(items=items, more=more, next=encode_cursor(items[-1].date_added) if more else None)


def _conditions(
    reader: Reader,
    collection_id: str | None,
    filters: ObjectFilter,
    cursor: str | None,
    *,
    first_of_each: bool = True,
) -> ColumnElement[bool]:
    o = stix_objects
    scope = frozenset({collection_id}) if collection_id is not None else None
    clauses: list[ColumnElement[bool]] = [visible_versions(reader, o, scope)]
    if first_of_each:
        clauses.append(first_submission(reader, scope))
    if collection_id is not None:
        clauses.append(o.c.collection_id == collection_id)
    floor = max(filters.added_after or 0, decode_cursor(cursor) if cursor else 0)
    if floor:
        clauses.append(o.c.date_added > floor)
    if filters.ids:
        clauses.append(o.c.stix_id.in_(filters.ids))
    if filters.types:
        clauses.append(o.c.type.in_(filters.types))
    if filters.spec_versions and SPEC_VERSION not in filters.spec_versions:
        clauses.append(false())
    if filters.active_at is not None:
        clauses.append(or_(o.c.valid_until.is_(None), o.c.valid_until > filters.active_at))
    clauses.append(version_clause(reader, filters.versions, scope))
    return and_(*clauses)


def visible_versions(
    reader: Reader, table: Any = stix_objects, scope: frozenset[str] | None = None
) -> ColumnElement[bool]:
    """The sharing policy's SQL filter over a table (or alias) of stored versions."""
    return visibility_clause(
        reader,
        collection_col=table.c.collection_id,
        tlp_col=table.c.tlp,
        group_col=table.c.group_id,
        submitter_col=table.c.submitter_org_id,
        collection_ids=scope,
    )


def first_submission(reader: Reader, scope: frozenset[str] | None) -> ColumnElement[bool]:
    """Of the submissions of one version that the reader may see, only the first.

    Two organisations hold the same id and version when the second could not see the first when it
    submitted (:mod:`gotong.intel.store`); a reader who may see both reads the version once. SCOs
    are versioned by ``date_added``, so they are never two submissions of one version.
    """
    o = stix_objects
    other = o.alias("earlier")
    # Only a row stored while another organisation held its version can be shadowed: for every
    # other row the subquery is not run, so reads pay for it only where a version is shared.
    return or_(
        o.c.later_submission == false(),
        ~exists().where(
            other.c.collection_id == o.c.collection_id,
            other.c.stix_id == o.c.stix_id,
            other.c.version == o.c.version,
            other.c.submitter_org_id != o.c.submitter_org_id,
            # "+ 0": no index on date_added for this term, or SQLite walks every earlier version
            # instead of the few of one id and version that the unique key finds at once.
            other.c.date_added + 0 < o.c.date_added,
            visible_versions(reader, other, scope),
        ),
    )


def version_clause(
    reader: Reader, versions: tuple[str | int, ...], scope: frozenset[str] | None
) -> ColumnElement[bool]:
    """``first``/``last`` are the earliest/latest version among those the reader may see."""
    if "all" in versions:
        return true()
    o = stix_objects
    parts: list[ColumnElement[bool]] = []
    for wanted in versions:
        if isinstance(wanted, int):
            parts.append(o.c.version == wanted)
            continue
        other = o.alias("other")
        newer = other.c.version > o.c.version if wanted == "last" else other.c.version < o.c.version
        parts.append(
            ~exists().where(
                other.c.collection_id == o.c.collection_id,
                other.c.stix_id == o.c.stix_id,
                newer,
                visible_versions(reader, other, scope),
            )
        )
    return or_(*parts)


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []
