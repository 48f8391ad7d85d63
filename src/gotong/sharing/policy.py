"""The one decision of who may see a stored object version — in Python and as a SQL filter.

Every read path (TAXII, REST, exports, later search, correlation, federation and UI) asks this
module, either through :func:`may_see` for one item or :func:`visibility_clause` for a query.
Both encode the same rules, written out in ``docs/sharing.md``:

* a reader must be able to read the collection (public collections admit unauthenticated readers);
* the submitting organisation always sees what it submitted;
* TLP:CLEAR — every reader of the collection;
* TLP:GREEN — the audience; TLP:AMBER — the audience and its constituents (descendants);
  TLP:AMBER+STRICT — the audience only; the audience is the object's sharing group, else the
  collection's default group, else the node's whole community;
* TLP:RED — only members of a ``named-recipients`` group named on the object itself.

The hub is an organisation like any other here: nothing in this module looks at roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, false, or_, true
from sqlalchemy.sql.elements import ColumnClause, KeyedColumnElement

from gotong.sharing.tlp import TLP


@dataclass(frozen=True)
class Reader:
    """What the sharing rules need to know about whoever reads.

    Built by :func:`gotong.sharing.service.load_reader`; ``org_id`` is None for an
    unauthenticated reader, who may only read TLP:CLEAR objects of public collections.
    """

    org_id: int | None
    readable: frozenset[str] = frozenset()
    member_groups: frozenset[int] = frozenset()
    amber_groups: frozenset[int] = frozenset()
    named_groups: frozenset[int] = frozenset()
    default_groups: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Marked:
    """The facts about one stored object version that decide who may see it."""

    collection_id: str
    tlp: TLP
    group_id: int | None
    submitter_org_id: int


def may_see(reader: Reader, item: Marked) -> bool:
    """Whether ``reader`` may see ``item`` (one stored version of an object)."""
    if item.collection_id not in reader.readable:
        return False
    if reader.org_id is not None and item.submitter_org_id == reader.org_id:
        return True
    if item.tlp == TLP.CLEAR:
        return True
    if reader.org_id is None:
        return False
    if item.tlp == TLP.RED:
        return item.group_id is not None and item.group_id in reader.named_groups
    audience = item.group_id if item.group_id is not None else reader.default_groups.get(item.collection_id)
    if audience is None:  # the node's whole community
        return True
    if item.tlp == TLP.AMBER:
        return audience in reader.amber_groups
    return audience in reader.member_groups  # GREEN and AMBER+STRICT


def visibility_clause(
    reader: Reader,
    *,
    collection_col: KeyedColumnElement[str] | ColumnClause[str],
    tlp_col: KeyedColumnElement[int] | ColumnClause[int],
    group_col: KeyedColumnElement[int] | ColumnClause[int],
    submitter_col: KeyedColumnElement[int] | ColumnClause[int],
    collection_ids: frozenset[str] | None = None,
) -> ColumnElement[bool]:
    """The SQL form of :func:`may_see` over a table of stored versions.

    ``collection_ids`` narrows the query to collections the caller asked for; whether the reader
    may read them at all is still decided here.
    """
    wanted = reader.readable if collection_ids is None else reader.readable & collection_ids
    if not wanted:
        return false()
    # One term per distinct default audience, not per collection: a node may have hundreds of
    # collections but few default groups, and SQLite limits how deep an expression may be.
    by_default: dict[int | None, list[str]] = {}
    for cid in sorted(wanted):
        by_default.setdefault(reader.default_groups.get(cid), []).append(cid)
    per_audience = [
        and_(_in(collection_col, cids), _marking_clause(reader, default, tlp_col, group_col))
        for default, cids in by_default.items()
    ]
    clause = or_(*per_audience) if len(per_audience) > 1 else per_audience[0]
    if reader.org_id is not None:
        clause = or_(and_(collection_col.in_(sorted(wanted)), submitter_col == reader.org_id), clause)
    return clause


def _in(column: KeyedColumnElement[str] | ColumnClause[str], values: list[str]) -> ColumnElement[bool]:
    return column == values[0] if len(values) == 1 else column.in_(values)


def _marking_clause(
    reader: Reader,
    default_group: int | None,
    tlp_col: KeyedColumnElement[int] | ColumnClause[int],
    group_col: KeyedColumnElement[int] | ColumnClause[int],
) -> ColumnElement[bool]:
    if reader.org_id is None:
        return tlp_col == int(TLP.CLEAR)

    def audience_in(groups: frozenset[int]) -> ColumnElement[bool]:
        explicit = group_col.in_(sorted(groups)) if groups else false()
        if default_group is None:
            fallback: ColumnElement[bool] = group_col.is_(None)
        else:
            fallback = and_(group_col.is_(None), true() if default_group in groups else false())
        return or_(explicit, fallback)

    return or_(
        tlp_col == int(TLP.CLEAR),
        and_(tlp_col.in_([int(TLP.GREEN), int(TLP.AMBER_STRICT)]), audience_in(reader.member_groups)),
        and_(tlp_col == int(TLP.AMBER), audience_in(reader.amber_groups)),
        and_(tlp_col == int(TLP.RED), group_col.in_(sorted(reader.named_groups)))
        if reader.named_groups
        else false(),
    )
