"""Random sharing worlds for the property tests: what hypothesis draws, and building it in a database.

A world is the ASEAN preset organisations plus generated constituents (one or two levels below a
preset organisation, some with a country of their own), sharing groups of both kinds, collections
with their own readers, ``public`` flag and default group, and objects posted in several versions
with random markings by random organisations. Indicators and address SCOs carry observables from a
small pool of the world's own IP addresses and domains, so that objects of different organisations
and countries correlate; on request, worlds also hold sightings of their indicators and envelopes
sent through the hub. Drawing is pure data (:class:`WorldDraw`); :func:`world_in` creates it in the
test's database under fresh names, yields a :class:`World` with the oracle's
:class:`~tests.sharing.oracle.Rules` and the stored rows, and removes everything it created
afterwards (alerts raised over its objects included), so that thousands of examples can share one
migrated database without the node growing from one example to the next.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from hypothesis import strategies as st
from sqlalchemy import Column, Connection, Engine, delete, select, update

from gotong.core.auth import Principal
from gotong.correlation.index import FALSE_POSITIVE
from gotong.correlation.models import alert_objects, alerts
from gotong.db.engine import read_connection, write_transaction
from gotong.db.meta import metadata
from gotong.intel.collections import add_collection
from gotong.intel.models import collections, stix_objects
from gotong.intel.store import add_objects
from gotong.node import load_preset
from gotong.orgs.models import OrgKind, organisations
from gotong.orgs.service import add_org, get_org, hub, set_default_tlp
from gotong.sharing.models import (
    GroupKind,
    retrieval_items,
    retrievals,
    sharing_groups,
)
from gotong.sharing.service import add_group
from gotong.sharing.tlp import TLP
from tests.helpers import indicator
from tests.sharing.oracle import LEVELS, TLP_IDS, Collection, Group, Org, Posted, Rules

PRESET: tuple[str, ...] = tuple(o["short_name"] for o in load_preset("asean")["organisation"])
PRESET_COUNTRY: dict[str, str | None] = {
    str(o["short_name"]): o.get("country") for o in load_preset("asean")["organisation"]
}
COUNTRIES: tuple[str, ...] = tuple(c for c in PRESET_COUNTRY.values() if c is not None)
TLP_MARKINGS: tuple[str, ...] = tuple(TLP_IDS)
# A marking that is neither TLP nor a sharing group (say, a copyright statement): it must change nothing.
STATEMENT_MARKING = "marking-definition--1d1b6a43-7f8b-4f3c-9a57-2b0c3f6d8e91"
KINDS = ("indicator", "malware", "ipv4-addr")
_SELECTOR = {"indicator": "name", "malware": "name", "ipv4-addr": "value", "sighting": "count"}
# The world's observables: slots of a small pool, made concrete (and unique to the world) when it is
# built. Few slots for several objects, so that objects of different organisations share them.
OBSERVABLE_KINDS: tuple[str, ...] = ("ipv4-addr", "ipv4-addr", "domain-name", "domain-name")
_IP_SLOTS = tuple(i for i, kind in enumerate(OBSERVABLE_KINDS) if kind == "ipv4-addr")


@dataclass(frozen=True)
class OrgDraw:
    key: str
    parent: str  # a preset short name or the key of another constituent
    default_tlp: str | None  # None: never set, so the node's own default applies
    country: str | None = None


@dataclass(frozen=True)
class GroupDraw:
    key: str
    kind: str
    members: frozenset[str]


@dataclass(frozen=True)
class CollectionDraw:
    key: str
    readers: frozenset[str] | None  # None: readers "all"
    public: bool
    default_group: str | None


@dataclass(frozen=True)
class VersionDraw:
    collection: str
    submitter: str
    object_tlps: tuple[str, ...]
    granular_tlps: tuple[str, ...]
    group: str | None
    group_in_granular: bool
    statement: bool
    lang_granular: bool
    observables: tuple[int, ...] = ()  # slots of OBSERVABLE_KINDS (indicators and SCOs)
    through_hub: bool = False


@dataclass(frozen=True)
class SightingDraw:
    target: int  # the index of the world's indicator it is a sighting of
    count: int
    false_positive: bool
    first_seen: int | None  # a day of February 2026
    days: int  # last_seen - first_seen


@dataclass(frozen=True)
class ObjectDraw:
    kind: str
    versions: tuple[VersionDraw, ...]
    sighting: SightingDraw | None = None


@dataclass(frozen=True)
class WorldDraw:
    preset_defaults: tuple[str, ...]
    constituents: tuple[OrgDraw, ...]
    groups: tuple[GroupDraw, ...]
    collections: tuple[CollectionDraw, ...]
    objects: tuple[ObjectDraw, ...]
    post_order: tuple[tuple[int, int], ...]  # (object, version) in the order they are posted

    @property
    def org_keys(self) -> tuple[str, ...]:
        return PRESET + tuple(c.key for c in self.constituents)


@st.composite
def worlds(
    draw: st.DrawFn,
    *,
    max_constituents: int = 4,
    min_groups: int = 0,
    max_groups: int = 3,
    max_collections: int = 3,
    max_objects: int = 6,
    max_versions: int = 3,
    max_sightings: int = 0,
    through_hub: bool = False,
) -> WorldDraw:
    """A random world; small on purpose, so that every organisation can be checked against it.

    ``max_sightings`` adds up to that many sightings (one version each) of the world's indicators;
    ``through_hub`` lets envelopes be sent through the hub (anonymously).
    """
    preset_defaults = tuple(draw(st.sampled_from(LEVELS)) for _ in PRESET)
    constituents: list[OrgDraw] = []
    depth: dict[str, int] = {}
    for i in range(draw(st.integers(0, max_constituents))):
        parents = PRESET + tuple(c.key for c in constituents if depth[c.key] == 1)
        parent = draw(st.sampled_from(parents))
        key = f"k{i}"
        depth[key] = depth.get(parent, 0) + 1
        default_tlp = draw(st.none() | st.sampled_from(LEVELS))
        constituents.append(OrgDraw(key, parent, default_tlp, draw(st.none() | st.sampled_from(COUNTRIES))))
    orgs = PRESET + tuple(c.key for c in constituents)
    some_orgs = st.frozensets(st.sampled_from(orgs), max_size=6)
    groups = tuple(
        GroupDraw(f"g{i}", draw(st.sampled_from([str(k) for k in GroupKind])), draw(some_orgs))
        for i in range(draw(st.integers(min_groups, max_groups)))
    )
    group_keys = [g.key for g in groups]
    maybe_group = st.none() | st.sampled_from(group_keys) if group_keys else st.none()
    colls = tuple(
        CollectionDraw(f"c{i}", draw(st.none() | some_orgs), draw(st.booleans()), draw(maybe_group))
        for i in range(draw(st.integers(1, max_collections)))
    )
    slots = {
        "indicator": st.lists(st.integers(0, len(OBSERVABLE_KINDS) - 1), min_size=1, max_size=2, unique=True),
        "ipv4-addr": st.sampled_from(_IP_SLOTS).map(lambda slot: [slot]),
    }

    def version(kind: str) -> st.SearchStrategy[VersionDraw]:
        return st.builds(
            VersionDraw,
            collection=st.sampled_from([c.key for c in colls]),
            submitter=st.sampled_from(orgs),
            object_tlps=st.lists(st.sampled_from(TLP_MARKINGS), max_size=3).map(tuple),
            granular_tlps=st.lists(st.sampled_from(TLP_MARKINGS), max_size=2).map(tuple),
            group=maybe_group,
            group_in_granular=st.booleans(),
            statement=st.booleans(),
            lang_granular=st.booleans(),
            observables=slots.get(kind, st.just([])).map(tuple),
            through_hub=st.booleans() if through_hub else st.just(False),
        )

    objects: list[ObjectDraw] = []
    for _ in range(draw(st.integers(1, max_objects))):
        kind = draw(st.sampled_from(KINDS))
        versions = draw(st.lists(version(kind), min_size=1, max_size=max_versions))
        objects.append(ObjectDraw(kind, tuple(versions)))
    indicators = [i for i, obj in enumerate(objects) if obj.kind == "indicator"]
    for _ in range(draw(st.integers(0, max_sightings if indicators else 0))):
        sighting = SightingDraw(
            target=draw(st.sampled_from(indicators)),
            count=draw(st.integers(0, 50)),
            false_positive=draw(st.booleans()),
            first_seen=draw(st.none() | st.integers(1, 20)),
            days=draw(st.integers(0, 5)),
        )
        objects.append(ObjectDraw("sighting", (draw(version("sighting")),), sighting))
    pairs = [(i, j) for i, obj in enumerate(objects) for j in range(len(obj.versions))]
    return WorldDraw(
        preset_defaults=preset_defaults,
        constituents=tuple(constituents),
        groups=groups,
        collections=colls,
        objects=tuple(objects),
        post_order=tuple(draw(st.permutations(pairs))),
    )


@dataclass(frozen=True)
class StoredRow:
    """A stored version of the world, with what was posted to make it."""

    seq: int
    collection_id: str
    stix_id: str
    version: int
    date_added: int
    submitter_org_id: int
    tlp: int
    group_id: int | None
    body: str
    posted: Posted


@dataclass(frozen=True)
class Envelope:
    status_id: str
    poster: str
    collection_id: str


Observable = tuple[str, str]  # (kind, value), as the correlation index names it


@dataclass
class World:
    rules: Rules
    org_ids: dict[str, int]
    collection_ids: list[str]
    rows: list[StoredRow]
    envelopes: list[Envelope]
    stix_ids_by_collection: dict[str, list[str]] = field(default_factory=dict)
    observables: tuple[Observable, ...] = ()  # the pool, slot by slot
    unseen: Observable = ("domain-name", "unseen.example")  # carried by no object anywhere

    @property
    def orgs(self) -> list[str]:
        return list(self.org_ids)

    @property
    def readers(self) -> list[str | None]:
        """Every organisation of the world, and the unauthenticated reader (None)."""
        return [*self.org_ids, None]

    def principal(self, reader: str | None) -> Principal:
        if reader is None:
            return Principal(org_id=None)
        return Principal(org_id=self.org_ids[reader], org_short=reader)

    def visible(self, reader: str | None, rules: Rules | None = None) -> list[StoredRow]:
        """The world's rows the oracle lets ``reader`` see, oldest ``date_added`` first."""
        judge = rules or self.rules
        return [r for r in self.rows if judge.sees(reader, r.posted)]


# Posts one envelope as an organisation (through the hub if the last argument says so) and returns
# the id of its status resource.
Poster = Callable[[str, str, list[dict[str, Any]], bool], str]


@dataclass
class _Created:
    orgs: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    collections: list[str] = field(default_factory=list)


@contextmanager
def world_in(engine: Engine, draw: WorldDraw, *, post: Poster | None = None) -> Iterator[World]:
    """Create ``draw`` in the database (posting with ``post``, else the store directly), then remove it."""
    created = _Created()
    try:
        yield _build(engine, draw, created, post or _store_poster(engine))
    finally:
        _remove(engine, created)


def _store_poster(engine: Engine) -> Poster:
    def post(org: str, collection_id: str, objects: list[dict[str, Any]], through_hub: bool) -> str:
        with read_connection(engine) as conn:
            org_id = get_org(conn, short_name=org).id
        principal = Principal(org_id=org_id, org_short=org)
        report = add_objects(
            engine, principal=principal, collection_id=collection_id, objects=objects, through_hub=through_hub
        )
        assert not report.failures, report.failures
        assert all(s.message != "already present" for s in report.successes), report.successes
        return report.id

    return post


def _build(engine: Engine, draw: WorldDraw, created: _Created, post: Poster) -> World:
    suffix = uuid.uuid4().hex[:10]
    pool = _observables(suffix)
    names = {p: p for p in PRESET} | {c.key: f"{c.key}-{suffix}" for c in draw.constituents}
    group_names = {g.key: f"{g.key}-{suffix}" for g in draw.groups}
    with write_transaction(engine) as conn:
        for preset, level in zip(PRESET, draw.preset_defaults, strict=True):
            set_default_tlp(conn, short_name=preset, tlp=TLP.parse(level))
        for c in draw.constituents:
            org = add_org(
                conn,
                short_name=names[c.key],
                name=f"Constituent {c.key}",
                kind=OrgKind.CONSTITUENT,
                parent=names[c.parent],
                country=c.country,
            )
            created.orgs.append(org.id)
            if c.default_tlp is not None:
                set_default_tlp(conn, short_name=names[c.key], tlp=TLP.parse(c.default_tlp))
        groups: dict[str, Group] = {}
        for g in draw.groups:
            made = add_group(
                conn,
                name=group_names[g.key],
                members=[names[m] for m in sorted(g.members)],
                kind=GroupKind(g.kind),
                owner=PRESET[0],
            )
            created.groups.append(made.id)
            groups[made.name] = Group(
                made.name, g.kind, made.marking_id, frozenset(names[m] for m in g.members)
            )
        coll_ids: dict[str, str] = {}
        colls: dict[str, Collection] = {}
        for cd in draw.collections:
            made_coll = add_collection(
                conn,
                title=f"sharing world {cd.key}",
                readers="all" if cd.readers is None else [names[r] for r in sorted(cd.readers)],
                writers="all",
                public=cd.public,
                default_group=group_names[cd.default_group] if cd.default_group else None,
            )
            created.collections.append(made_coll.id)
            coll_ids[cd.key] = made_coll.id
            readers = None if cd.readers is None else frozenset(names[r] for r in cd.readers)
            default = group_names[cd.default_group] if cd.default_group else None
            colls[made_coll.id] = Collection(made_coll.id, readers, cd.public, default)
        org_ids = {names[k]: get_org(conn, short_name=names[k]).id for k in draw.org_keys}
        orgs = {
            name: Org(name, _parent_name(draw, key, names), _default(draw, key), _country(draw, key))
            for key, name in ((k, names[k]) for k in draw.org_keys)
        }
        hub_identity = hub(conn).identity_id
    rules = Rules(orgs=orgs, groups=groups, collections=colls)

    stix_ids = [f"{obj.kind}--{uuid.uuid4()}" for obj in draw.objects]
    bodies = {
        (i, j): _body(obj, stix_ids, i, j, rules, group_names, pool, hub_identity)
        for i, obj in enumerate(draw.objects)
        for j in range(len(obj.versions))
    }
    posted: list[Posted] = []
    envelopes: list[Envelope] = []
    for (submitter, coll_key, through_hub), batch in _envelopes(draw):
        collection_id = coll_ids[coll_key]
        objects = [bodies[pair] for pair in batch]
        status_id = post(names[submitter], collection_id, objects, through_hub)
        envelopes.append(Envelope(status_id, names[submitter], collection_id))
        for (i, j), body in zip(batch, objects, strict=True):
            carries = frozenset(pool[slot] for slot in draw.objects[i].versions[j].observables)
            posted.append(Posted(collection_id, names[submitter], body, carries, through_hub))

    rows = _rows(engine, list(coll_ids.values()), posted)
    by_collection: dict[str, list[str]] = {cid: [] for cid in coll_ids.values()}
    for row in rows:
        if row.stix_id not in by_collection[row.collection_id]:
            by_collection[row.collection_id].append(row.stix_id)
    return World(
        rules=rules,
        org_ids=org_ids,
        collection_ids=list(coll_ids.values()),
        rows=rows,
        envelopes=envelopes,
        stix_ids_by_collection=by_collection,
        observables=pool,
        unseen=("domain-name", f"unseen.{suffix}.example"),
    )


def _observables(suffix: str) -> tuple[Observable, ...]:
    """Concrete values for the pool's slots, of this world only (alerts and lookups stay per world)."""
    net = random.Random(suffix).randrange(1 << 16)
    ips = iter(f"10.{net >> 8}.{net & 255}.{n}" for n in range(1, len(OBSERVABLE_KINDS) + 1))
    domains = iter(f"c2-{n}.{suffix}.example" for n in range(len(OBSERVABLE_KINDS)))
    return tuple((kind, next(ips) if kind == "ipv4-addr" else next(domains)) for kind in OBSERVABLE_KINDS)


def _parent_name(draw: WorldDraw, key: str, names: dict[str, str]) -> str | None:
    parent = next((c.parent for c in draw.constituents if c.key == key), None)
    return names[parent] if parent is not None else None


def _default(draw: WorldDraw, key: str) -> str:
    if key in PRESET:
        return draw.preset_defaults[PRESET.index(key)]
    drawn = next(c.default_tlp for c in draw.constituents if c.key == key)
    return drawn or "amber"  # the rules: TLP:AMBER unless the organisation set another default


def _country(draw: WorldDraw, key: str) -> str | None:
    if key in PRESET:
        return PRESET_COUNTRY[key]
    return next(c.country for c in draw.constituents if c.key == key)


def _envelopes(draw: WorldDraw) -> list[tuple[tuple[str, str, bool], list[tuple[int, int]]]]:
    """Consecutive versions posted by the same organisation to the same collection (and the same way:
    through the hub or not) share an envelope."""
    out: list[tuple[tuple[str, str, bool], list[tuple[int, int]]]] = []
    for i, j in draw.post_order:
        v = draw.objects[i].versions[j]
        key = (v.submitter, v.collection, v.through_hub)
        if out and out[-1][0] == key:
            out[-1][1].append((i, j))
        else:
            out.append((key, [(i, j)]))
    return out


def _body(
    obj: ObjectDraw,
    stix_ids: list[str],
    i: int,
    index: int,
    rules: Rules,
    group_names: dict[str, str],
    pool: tuple[Observable, ...],
    hub_identity: str,
) -> Any:
    kind, stix_id, v = obj.kind, stix_ids[i], obj.versions[index]
    carried = [pool[slot] for slot in v.observables]
    refs = list(v.object_tlps)
    selector = _SELECTOR[kind]
    granular = [{"marking_ref": ref, "selectors": [selector]} for ref in v.granular_tlps]
    if v.group is not None:
        marking = rules.groups[group_names[v.group]].marking_id
        if v.group_in_granular:
            granular.append({"marking_ref": marking, "selectors": [selector]})
        else:
            refs.append(marking)
    if v.statement:
        refs.append(STATEMENT_MARKING)
    if v.lang_granular:
        granular.append({"lang": "en", "selectors": [selector]})
    modified = f"2026-01-{index + 1:02d}T00:00:00.000Z"
    body: dict[str, Any]
    if kind == "indicator":
        body = indicator(stix_id=stix_id, tlp=None, markings=refs, modified=modified)
        body["pattern"] = " OR ".join(f"[{k}:value = '{value}']" for k, value in carried)
    elif kind == "sighting":
        assert obj.sighting is not None
        body = _sighting(stix_id, modified, obj.sighting, stix_ids)
    elif kind == "malware":
        body = {
            "type": "malware",
            "spec_version": "2.1",
            "id": stix_id,
            "created": "2026-01-01T00:00:00.000Z",
            "modified": modified,
            "name": f"malware {stix_id[-6:]}",
            "is_family": False,
        }
    else:  # an SCO: no created/modified, so Gotong versions it by date_added
        body = {
            "type": kind,
            "spec_version": "2.1",
            "id": stix_id,
            "value": carried[0][1],
            "x_revision": index,
        }
    if refs and kind != "indicator":
        body["object_marking_refs"] = refs
    if granular:
        body["granular_markings"] = granular
    if v.through_hub and "created" in body:
        body["created_by_ref"] = hub_identity  # what the node stores for an anonymous submission
    return body


def _sighting(stix_id: str, modified: str, s: SightingDraw, stix_ids: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": stix_id,
        "created": "2026-01-01T00:00:00.000Z",
        "modified": modified,
        "sighting_of_ref": stix_ids[s.target],
        "count": s.count,
    }
    if s.first_seen is not None:
        body["first_seen"] = f"2026-02-{s.first_seen:02d}T00:00:00.000Z"
        body["last_seen"] = f"2026-02-{s.first_seen + s.days:02d}T00:00:00.000Z"
    if s.false_positive:
        body[FALSE_POSITIVE] = True
    return body


def _rows(engine: Engine, collection_ids: Sequence[str], posted: list[Posted]) -> list[StoredRow]:
    o = stix_objects
    with read_connection(engine) as conn:
        stored = conn.execute(
            select(o).where(o.c.collection_id.in_(collection_ids)).order_by(o.c.date_added)
        ).all()
    remaining = list(posted)
    rows: list[StoredRow] = []
    for r in stored:
        body = orjson.loads(r.body)
        match = next(
            p for p in remaining if p.collection_id == r.collection_id and _as_stored(dict(p.body), body)
        )
        remaining.remove(match)
        fields = (r.seq, r.collection_id, r.stix_id, r.version, r.date_added, r.submitter_org_id, r.tlp)
        rows.append(StoredRow(*fields, r.group_id, r.body, match))
    assert not remaining, f"posted but not stored: {remaining}"
    return rows


def _as_stored(posted: dict[str, Any], stored: dict[str, Any]) -> bool:
    """Whether ``stored`` is ``posted`` as the store keeps it (an SDO or SRO sent without a creator
    is stored naming its submitter, see docs/taxii.md)."""
    if posted == stored:
        return True
    return (
        "created" in posted
        and "created_by_ref" not in posted
        and stored
        == {
            **posted,
            "created_by_ref": stored.get("created_by_ref"),
        }
    )


def _remove(engine: Engine, created: _Created) -> None:
    """Delete what the world created, and whatever the node recorded about it (receipts, indexes, ...)."""
    with write_transaction(engine) as conn:
        if created.collections:
            cids = created.collections
            seqs = select(stix_objects.c.seq).where(stix_objects.c.collection_id.in_(cids))
            # The world's observables are its own: so are the alerts raised over its objects.
            raised = list(
                conn.execute(
                    select(alert_objects.c.alert_id).where(alert_objects.c.object_seq.in_(seqs)).distinct()
                ).scalars()
            )
            if raised:
                _detach(conn, alerts.c.id, raised)
                conn.execute(delete(alerts).where(alerts.c.id.in_(raised)))
            receipts = select(retrievals.c.id).where(retrievals.c.collection_id.in_(cids))
            conn.execute(delete(retrieval_items).where(retrieval_items.c.retrieval_id.in_(receipts)))
            conn.execute(delete(retrievals).where(retrievals.c.collection_id.in_(cids)))
            _detach(conn, stix_objects.c.seq, seqs)
            conn.execute(delete(stix_objects).where(stix_objects.c.collection_id.in_(cids)))
            _detach(conn, collections.c.id, cids)
            conn.execute(delete(collections).where(collections.c.id.in_(cids)))
        if created.groups:
            _detach(conn, sharing_groups.c.id, created.groups)
            conn.execute(delete(sharing_groups).where(sharing_groups.c.id.in_(created.groups)))
        if created.orgs:
            conn.execute(
                update(organisations).where(organisations.c.id.in_(created.orgs)).values(parent_id=None)
            )
            _detach(conn, organisations.c.id, created.orgs)
            conn.execute(delete(organisations).where(organisations.c.id.in_(created.orgs)))


def _detach(conn: Connection, target: Column[Any], values: Any) -> None:
    """Delete the rows of every table that refer to ``target`` in ``values``; nullable references are cleared.

    Generic on purpose: tables added later by other domains (audit log, receipts, correlation, ...)
    refer to organisations, collections and stored versions too.
    """
    for table in reversed(metadata.sorted_tables):
        for fk in table.foreign_keys:
            if fk.column is not target or fk.parent.table is target.table:
                continue
            where = fk.parent.in_(values)
            if fk.parent.nullable:
                conn.execute(update(table).where(where).values({fk.parent.name: None}))
            else:
                conn.execute(delete(table).where(where))
