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
* TLP:RED — only members of a ``named-recipients`` group named on the object itself;
* a reader with a ceiling (a report made for a wider audience than its organisation, such as a
  TLP:CLEAR report for officials to publish) sees nothing marked above the ceiling, not even what its
  own organisation submitted, and learns no anonymous submitter.

Operational records that are not STIX objects (the contact directory) mark each field with a
:class:`FieldVisibility` instead of a TLP; :func:`may_see_field` is their one decision.

It also holds the one rule of who may learn the real submitter of an anonymous submission (one
sent "through the hub"): :func:`may_learn_submitter`, and its SQL form :func:`disclosure_clause`.
The submitter itself and the hub's admins may; nobody else, on any read path.

For visibility the hub is an organisation like any other: only the disclosure rule knows of hub
admins, and it learns that from the reader (``Reader.hub_admin``), not from roles.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, false, or_, true
from sqlalchemy.sql.elements import ColumnClause, KeyedColumnElement

from gotong.sharing.tlp import TLP

_Id = TypeVar("_Id", str, int)


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
    # An admin of the hub organisation: may learn who sent an anonymous submission.
    hub_admin: bool = False
    # The most restrictive TLP the reader's audience may receive (TLP.RED: no limit).
    ceiling: TLP = TLP.RED


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
    if not within_ceiling(reader.ceiling, item.tlp):
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


def within_ceiling(ceiling: TLP, tlp: TLP) -> bool:
    """Whether something marked ``tlp`` may go to an audience that may receive up to ``ceiling``."""
    return tlp <= ceiling


def may_learn_submitter(reader: Reader, *, submitter_org_id: int, anonymous: bool) -> bool:
    """Whether ``reader`` may learn who submitted a version it may see.

    Everyone who may see a version may learn its submitter, unless it was sent through the hub
    (``anonymous``): then only the submitter itself and the hub's admins may. Anybody else is told
    only that it came through the hub: no name, no country, no peer it came from.
    """
    if not anonymous:
        return True
    if reader.ceiling < TLP.RED:
        return False  # an audience wider than the organisation: the hub's secret stays with the hub
    return reader.hub_admin or (reader.org_id is not None and submitter_org_id == reader.org_id)


def may_know_members(reader: Reader, *, group_id: int, named_recipients: bool, owner: bool) -> bool:
    """Whether ``reader`` may learn who belongs to a sharing group.

    A group's name is public (its marking definition is published so that clients can address it).
    The members of a community group are known to every member of the network. A named-recipients
    group is a list of who is trusted with TLP:RED: its members are known only to its members, its
    owner and the hub's admins. Anybody else learns that the group exists, not who is in it.
    """
    if reader.org_id is None:
        return False
    if not named_recipients:
        return True
    return owner or reader.hub_admin or group_id in reader.named_groups


def may_read_checkpoints(*, org_id: int | None, admin: bool, federated_org_ids: Collection[int]) -> bool:
    """Whether a caller may read the node's signed audit checkpoints, or those it holds as witness.

    A checkpoint counts every audit record and every stored version, visible to the caller or not,
    so it tells how much the node holds. Only the node's admins and the organisations it federates
    with (the organisation of a configured peer: witnessing is mutual) may read one; to every other
    member the count of what it may not see is itself something it may not learn.
    """
    if org_id is None:
        return False
    return admin or org_id in federated_org_ids


def disclosure_clause(
    reader: Reader,
    *,
    anonymous_col: KeyedColumnElement[bool] | ColumnClause[bool],
    submitter_col: KeyedColumnElement[int] | ColumnClause[int],
) -> ColumnElement[bool]:
    """The SQL form of :func:`may_learn_submitter` over a table of stored versions."""
    if reader.ceiling < TLP.RED:
        return anonymous_col.is_(False)
    if reader.hub_admin:
        return true()
    if reader.org_id is None:
        return anonymous_col.is_(False)
    return or_(anonymous_col.is_(False), submitter_col == reader.org_id)


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
    readable = _among(collection_col, wanted)
    if reader.ceiling < TLP.RED:
        readable = and_(readable, tlp_col <= int(reader.ceiling))
    if reader.org_id is None:
        return and_(readable, tlp_col == int(TLP.CLEAR))
    # The size of the clause is linear in collections plus groups: each list of ids is bound once.
    # A version without a group falls back to its collection's default audience, which is known here,
    # so the collections are sorted by what that audience lets the reader see instead of repeating the
    # reader's groups for each audience (bound parameters would grow as their product).
    community = {c for c in wanted if reader.default_groups.get(c) is None}
    member_default = {c for c in wanted if reader.default_groups.get(c) in reader.member_groups}
    amber_default = {c for c in wanted if reader.default_groups.get(c) in reader.amber_groups}
    green_or_strict = tlp_col.in_([int(TLP.GREEN), int(TLP.AMBER_STRICT)])
    amber = tlp_col == int(TLP.AMBER)
    cited_group = or_(
        and_(green_or_strict, _among(group_col, reader.member_groups)),
        and_(amber, _among(group_col, reader.amber_groups)),
        and_(tlp_col == int(TLP.RED), _among(group_col, reader.named_groups)),
    )
    default_audience = and_(
        group_col.is_(None),
        or_(
            and_(_among(collection_col, community, wanted), or_(green_or_strict, amber)),
            and_(_among(collection_col, member_default, wanted), green_or_strict),
            and_(_among(collection_col, amber_default, wanted), amber),
        ),
    )
    return and_(
        readable,
        or_(submitter_col == reader.org_id, tlp_col == int(TLP.CLEAR), cited_group, default_audience),
    )


def _among(
    column: KeyedColumnElement[_Id] | ColumnClause[_Id],
    values: Collection[_Id],
    everything: Collection[_Id] = (),
) -> ColumnElement[bool]:
    """``column IN values``, short when ``values`` is empty, one value, or all the query may hold."""
    if not values:
        return false()
    if everything and len(values) == len(everything):  # values is a subset of everything
        return true()
    if len(values) == 1:
        return column == next(iter(values))
    return column.in_(sorted(values))


class FieldVisibility(StrEnum):
    """Who may read one field of an operational record (a contact's phone number, its key...).

    ``public``: anybody, signed in or not (TLP:CLEAR); ``members``: every member organisation of the
    network (TLP:GREEN to the community); ``hub``: the hub and the owning organisation only
    (TLP:AMBER+STRICT addressed to the hub).
    """

    PUBLIC = "public"
    MEMBERS = "members"
    HUB = "hub"


def field_tlp(visibility: FieldVisibility) -> TLP:
    """The TLP level a field so marked stands for (the equivalences :class:`FieldVisibility` names):
    what decides whether it may go into something made for a wider audience, such as a report."""
    return {
        FieldVisibility.PUBLIC: TLP.CLEAR,
        FieldVisibility.MEMBERS: TLP.GREEN,
        FieldVisibility.HUB: TLP.AMBER_STRICT,
    }[visibility]


# The reader of what leaves the node for a peer node (the contact directory's members bundle): some
# member of the network, neither the field's owner nor the hub. No organisation has this id.
ANY_MEMBER = 0


def may_see_field(
    visibility: FieldVisibility, *, reader_org_id: int | None, owner_org_id: int, hub_org_id: int | None
) -> bool:
    """Whether the organisation ``reader_org_id`` (None: not signed in; :data:`ANY_MEMBER`: any
    member at all, as a peer node's readers are) may read a field so marked.

    The owning organisation always reads its own fields; the hub reads every field.
    """
    if visibility == FieldVisibility.PUBLIC:
        return True
    if reader_org_id is None:
        return False
    if reader_org_id == ANY_MEMBER:
        return visibility == FieldVisibility.MEMBERS
    if reader_org_id in (owner_org_id, hub_org_id):
        return True
    return visibility == FieldVisibility.MEMBERS
