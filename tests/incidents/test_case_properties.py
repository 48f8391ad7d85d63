"""Who sees which case and which of its entries, checked against the sharing rules on random worlds.

Hypothesis draws small worlds: a lead organisation among the ASEAN preset's twelve, zero to three
participants with roles, one or two sharing groups (community or named-recipients) with random
members, a fresh collection with random readers and maybe a default group, a case with a random TLP
(and maybe a group), and events, tasks and impacts written by the lead or by participants that may
add entries, each with the case's TLP or a stricter one, and maybe a group of its own.

The oracle is the statement of the sharing rules in ``tests/sharing/oracle.py`` (written from
docs/sharing.md, never from ``gotong.sharing``), applied to the markings this module derives from
docs/incidents.md: an entry carries its own TLP or the case's, and its own group or the case's. A
reader sees the case when the rules let it see the incident; it sees an entry in the case when it sees
the case and the rules let it see the entry; over TAXII each object is judged on its own. For every
organisation of the preset and two constituents under ThaiCERT (so that TLP:AMBER and AMBER+STRICT
differ):

* the service: ``get_case`` (not found, or exactly the expected entries) and ``list_cases``;
* REST ``GET /api/v1/cases`` and ``/api/v1/cases/{id}`` (404 when the case is hidden);
* TAXII objects of the case's collection, paged two at a time: exactly the expected ids, and as many
  pages as those alone make;
* the web page ``/cases/{id}`` and the list ``/cases``, signed in as a user of that organisation;
* nothing the reader may not see changes its answers: its view of the case and its list are the same
  before and after the entries were written, apart from the entries it may see.

Not covered yet: federation (what a peer node receives of a case and its entries).

Writing an entry that names a group other than its case's audience, when the case does not reach the
whole community, must be refused (docs/incidents.md: an entry never reaches further than its case);
the world checks that it is, and leaves the entry out.

The default run is quick; a long run, on each engine::

    GOTONG_CASE_EXAMPLES=1000 .venv/bin/pytest tests/incidents/test_case_properties.py -q --timeout=0
    GOTONG_CASE_EXAMPLES=1000 GOTONG_TEST_DATABASE=postgresql \\
        .venv/bin/pytest tests/incidents/test_case_properties.py -q --timeout=0

The HTTP test runs a fifth of ``GOTONG_CASE_EXAMPLES`` (at least 4).
"""

from __future__ import annotations

import math
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from gotong import incidents
from gotong.core.auth import Principal, Role
from gotong.db.engine import write_transaction
from gotong.errors import Invalid, NotFound
from gotong.incidents import (
    CaseCreate,
    CasePublic,
    EntryPublic,
    EventCreate,
    ImpactCreate,
    Participant,
    TaskCreate,
)
from gotong.incidents.models import ImpactCategory, ParticipantRole
from gotong.intel.collections import add_collection
from gotong.orgs.models import OrgKind
from gotong.orgs.passwords import hash_password, set_password_hash
from gotong.orgs.service import add_org, add_user, get_org
from gotong.sharing.models import GroupKind
from gotong.sharing.service import add_group
from tests.conftest import RunningServer, token_for
from tests.helpers import TLP2
from tests.sharing.oracle import Collection, Group, Org, Posted, Rules

EXAMPLES = int(os.environ.get("GOTONG_CASE_EXAMPLES", "15"))
HTTP_EXAMPLES = max(4, EXAMPLES // 5)
TAXII = "application/taxii+json;version=2.1"
CASE_TYPES = "incident,event,task,impact"
PASSWORD = "case-properties-password"

PRESET = (
    "ASEAN-CERT", "BruCERT", "CamCERT", "BSSN", "LaoCERT", "MyCERT",
    "mmCERT", "CERT-PH", "SingCERT", "ThaiCERT", "VNCERT", "ASEAN-TF",
)  # fmt: skip
# Constituents, made once per test (fixture below): TLP:AMBER reaches them through ThaiCERT, at any
# depth; TLP:AMBER+STRICT does not.
PARENTS = {"TH-BANK": "ThaiCERT", "TH-BANK-SOC": "TH-BANK"}
ORGS = (*PRESET, *PARENTS)
LEVELS = ("clear", "green", "amber", "amber+strict", "red")
ROLES = ("affected", "assisting", "informed")
ADDS_ENTRIES = ("affected", "assisting")  # docs/incidents.md: informed participants read


def _settings(examples: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --- what hypothesis draws ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupDraw:
    kind: str
    members: frozenset[str]


@dataclass(frozen=True)
class EntryDraw:
    kind: str  # event, task or impact
    author: int  # an index into the organisations that may write it (the lead first)
    stricter: int | None  # None: the case's TLP; else this many levels stricter (capped at red)
    group: int | None  # an index into the world's groups, or the case's audience


@dataclass(frozen=True)
class CaseDraw:
    lead: str
    participants: tuple[tuple[str, str], ...]
    tlp: str
    group: int | None
    groups: tuple[GroupDraw, ...]
    readers: frozenset[str] | None  # None: every organisation reads the collection
    default_group: int | None
    entries: tuple[EntryDraw, ...]


@st.composite
def cases(draw: st.DrawFn) -> CaseDraw:
    lead = draw(st.sampled_from(ORGS))
    others = [o for o in ORGS if o != lead]
    chosen = draw(st.lists(st.sampled_from(others), max_size=3, unique=True))
    participants = tuple((o, draw(st.sampled_from(ROLES))) for o in chosen)
    groups = tuple(
        GroupDraw(
            kind=draw(st.sampled_from(("community", "named-recipients"))),
            members=frozenset(draw(st.lists(st.sampled_from(ORGS), min_size=1, max_size=5, unique=True))),
        )
        for _ in range(draw(st.integers(1, 2)))
    )
    in_group = st.none() | st.integers(0, len(groups) - 1)
    readers = draw(
        st.none()
        | st.lists(st.sampled_from(others), max_size=6, unique=True).map(lambda r: frozenset([lead, *r]))
    )
    entry = st.builds(
        EntryDraw,
        kind=st.sampled_from(("event", "task", "impact")),
        author=st.integers(0, 3),
        stricter=st.none() | st.integers(0, 4),
        group=in_group,
    )
    return CaseDraw(
        lead=lead,
        participants=participants,
        tlp=draw(st.sampled_from(LEVELS)),
        group=draw(in_group),
        groups=groups,
        readers=readers,
        default_group=draw(in_group),
        entries=tuple(draw(st.lists(entry, max_size=5))),
    )


# --- the world, made through the service, and what the oracle expects ----------------------------------


@dataclass
class Entry:
    id: str
    kind: str
    name: str
    author: str
    posted: Posted


@dataclass
class World:
    rules: Rules
    collection: str
    case_id: str
    title: str
    case_posted: Posted
    entries: list[Entry] = field(default_factory=list)
    before: dict[str, CasePublic | None] = field(default_factory=dict)  # each reader's view, no entries
    refused: int = 0  # entries refused for naming a group wider than the case's audience

    def sees_case(self, org: str) -> bool:
        return self.rules.sees(org, self.case_posted)

    def entries_in_case(self, org: str) -> set[str]:
        """The entries ``org`` finds in the case: none when it may not see the case."""
        if not self.sees_case(org):
            return set()
        return {e.id for e in self.entries if self.rules.sees(org, e.posted)}

    def taxii_ids(self, org: str) -> set[str]:
        """Over TAXII every object is judged on its own."""
        found = {e.id for e in self.entries if self.rules.sees(org, e.posted)}
        return found | ({self.case_id} if self.sees_case(org) else set())

    def explain(self, org: str) -> str:
        case = self.case_posted
        lines = [f"reader {org}; case {case.body['object_marking_refs']} by {case.submitter}"]
        lines += [
            f"  {e.kind} {e.id} by {e.author}: {e.posted.body['object_marking_refs']}" for e in self.entries
        ]
        lines += [
            f"  group {g.name} {g.kind} {sorted(g.members)} {g.marking_id}"
            for g in self.rules.groups.values()
        ]
        lines.append(f"  collection {self.rules.collections[self.collection]}")
        return "\n".join(lines)


def _as(engine: Engine, org: str, role: Role | None = Role.ANALYST) -> Principal:
    with write_transaction(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org, role=role)


def _markings(tlp: str, group: Group | None) -> dict[str, Any]:
    return {"object_marking_refs": [TLP2[tlp], *([group.marking_id] if group else [])]}


def make_world(engine: Engine, draw: CaseDraw) -> World:
    """Create the draw's groups, collection, case and entries, and what the rules say of each."""
    tag = uuid.uuid4().hex[:10]
    groups: list[Group] = []
    with write_transaction(engine) as conn:
        for n, g in enumerate(draw.groups):
            group = add_group(
                conn, name=f"cp-{tag}-{n}", members=sorted(g.members), kind=GroupKind(g.kind), owner=draw.lead
            )
            groups.append(Group(group.name, g.kind, group.marking_id, g.members))
        default = groups[draw.default_group] if draw.default_group is not None else None
        coll = add_collection(
            conn,
            title=f"Case world {tag}",
            readers=sorted(draw.readers) if draw.readers is not None else "all",
            default_group=default.name if default else None,
        )
    rules = Rules(
        orgs={o: Org(o, PARENTS.get(o)) for o in ORGS},
        groups={g.name: g for g in groups},
        collections={coll.id: Collection(coll.id, draw.readers, False, default.name if default else None)},
    )
    case_group = groups[draw.group] if draw.group is not None else None
    title = f"Case {tag}"
    case = incidents.open_case(
        engine,
        actor=_as(engine, draw.lead),
        case=CaseCreate(
            title=title,
            collection=coll.id,
            tlp=draw.tlp,
            sharing_group=case_group.name if case_group else None,
            participants=[Participant(org=o, role=ParticipantRole(r)) for o, r in draw.participants],
        ),
    )
    world = World(
        rules=rules,
        collection=coll.id,
        case_id=case.id,
        title=title,
        case_posted=Posted(coll.id, draw.lead, _markings(draw.tlp, case_group)),
    )
    for org in ORGS:
        world.before[org] = _service_view(engine, org, case.id)
    # Who may write entries: the lead, and participants whose role adds entries that see the case.
    writers = [draw.lead, *(o for o, r in draw.participants if r in ADDS_ENTRIES and world.sees_case(o))]
    for n, e in enumerate(draw.entries):
        author = writers[e.author % len(writers)]
        tlp = draw.tlp if e.stricter is None else LEVELS[min(4, LEVELS.index(draw.tlp) + e.stricter)]
        named = groups[e.group] if e.group is not None else None
        request: dict[str, Any] = {
            "name": f"{e.kind} {n} of {tag}",
            "tlp": tlp if e.stricter is not None else None,
            "sharing_group": named.name if named else None,
        }
        if _widens(draw, groups, named):
            with pytest.raises(Invalid, match="sharing_group: an entry may not name another group"):
                _write_entry(engine, author, case.id, e.kind, request)
            world.refused += 1
            continue
        made = _write_entry(engine, author, case.id, e.kind, request)
        posted = Posted(coll.id, author, _markings(tlp, named or case_group))
        world.entries.append(Entry(made.id, e.kind, request["name"], author, posted))
    return world


def _widens(draw: CaseDraw, groups: list[Group], named: Group | None) -> bool:
    """docs/incidents.md: an entry never reaches further than its case. Naming a group other than the
    case's audience would, unless the case reaches the whole community (CLEAR, or no group below RED);
    a RED case reaches only the recipients it names itself."""
    if named is None or draw.tlp == "clear":
        return False
    own = groups[draw.group] if draw.group is not None else None
    if draw.tlp == "red":
        return named != own
    audience = own or (groups[draw.default_group] if draw.default_group is not None else None)
    return audience is not None and named != audience


def _write_entry(
    engine: Engine, author: str, case_id: str, kind: str, request: dict[str, Any]
) -> EntryPublic:
    actor = _as(engine, author)
    if kind == "event":
        return incidents.add_event(engine, actor=actor, case_id=case_id, event=EventCreate(**request))
    if kind == "task":
        task = TaskCreate(assigned_to=author, **request)
        return incidents.add_task(engine, actor=actor, case_id=case_id, task=task)
    details = {"availability_impact": 50}
    impact = ImpactCreate(category=ImpactCategory.AVAILABILITY, details=details, **request)
    return incidents.add_impact(engine, actor=actor, case_id=case_id, impact=impact)


def _label(world: World, draw: CaseDraw) -> None:
    """Say (in hypothesis's statistics) how often a world shows some reader less than its whole case."""
    all_ids = {e.id for e in world.entries}
    partial = [o for o in ORGS if world.sees_case(o) and world.entries_in_case(o) != all_ids]
    if world.refused:
        event("an entry naming another group is refused")
    event("some reader of the case misses an entry" if partial else "every reader of the case sees it all")
    event(
        f"case seen by {sum(world.sees_case(o) for o in ORGS)} of {len(ORGS)}"
        if draw.readers
        else "collection for all"
    )


def _ids(case: CasePublic | dict[str, Any]) -> set[str]:
    data = case if isinstance(case, dict) else case.model_dump(mode="json")
    return {e["id"] for kind in ("events", "tasks", "impacts") for e in data[kind]}


def _without_entries(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("events", "tasks", "impacts")}


def _service_view(engine: Engine, org: str, case_id: str) -> CasePublic | None:
    try:
        return incidents.get_case(engine, actor=_as(engine, org), case_id=case_id)
    except NotFound:
        return None


# --- the checks -----------------------------------------------------------------------------------------


def check_service(engine: Engine, world: World) -> None:
    for org in ORGS:
        why = world.explain(org)
        seen = _service_view(engine, org, world.case_id)
        listed = [
            c.id
            for c in incidents.list_cases(engine, actor=_as(engine, org))
            if c.collection == world.collection
        ]
        if not world.sees_case(org):
            assert seen is None and listed == [], why
            assert world.before[org] is None, why
            continue
        assert seen is not None, why
        assert listed == [world.case_id], why
        assert _ids(seen) == world.entries_in_case(org), why
        before = world.before[org]
        assert before is not None and not _ids(before), why
        # What the reader may not see leaves no trace: the case is the same apart from the entries.
        assert _without_entries(seen.model_dump(mode="json")) == _without_entries(
            before.model_dump(mode="json")
        )
    lead = world.case_posted.submitter
    # Positive control: the lead sees its case and every entry it wrote, whatever the markings.
    assert world.sees_case(lead)
    assert {e.id for e in world.entries if e.author == lead} <= world.entries_in_case(lead)


@dataclass
class Reader:
    org: str
    api: httpx.Client
    web: httpx.Client


def _same_404(hidden: httpx.Response, absent: httpx.Response, hidden_id: str, absent_id: str) -> None:
    """A case the reader may not see answers as one that does not exist (the id it asked for aside)."""
    assert hidden.status_code == absent.status_code == 404
    assert hidden.text.replace(hidden_id, "ID") == absent.text.replace(absent_id, "ID")


def check_http(server: RunningServer, readers: dict[str, Reader], world: World) -> None:
    names = {e.id: e.name for e in world.entries}
    absent = f"incident--{uuid.uuid4()}"
    for org, r in readers.items():
        why = world.explain(org)
        visible = world.sees_case(org)
        # REST
        one = r.api.get(f"/api/v1/cases/{world.case_id}")
        listed = r.api.get("/api/v1/cases")
        assert listed.status_code == 200, listed.text
        in_list = [c["id"] for c in listed.json() if c["collection"] == world.collection]
        if visible:
            assert one.status_code == 200, one.text + why
            assert _ids(one.json()) == world.entries_in_case(org), why
            assert in_list == [world.case_id], why
        else:
            assert one.status_code == 404, one.text + why
            _same_404(one, r.api.get(f"/api/v1/cases/{absent}"), world.case_id, absent)
            assert in_list == [], why
        # TAXII: each object on its own, paged two at a time; the pages follow from what is visible.
        _check_taxii(server, r.api, world, org)
        # The web pages, signed in as a user of the organisation.
        page = r.web.get(f"/cases/{world.case_id}")
        cases_page = r.web.get("/cases")
        assert cases_page.status_code == 200
        if visible:
            assert page.status_code == 200, why
            assert world.title in page.text and world.title in cases_page.text, why
            shown = {i for i, name in names.items() if name in page.text}
            assert shown == world.entries_in_case(org), why
        else:
            assert page.status_code == 404, why
            _same_404(page, r.web.get(f"/cases/{absent}"), world.case_id, absent)
            assert world.title not in page.text and world.title not in cases_page.text, why
            assert not any(name in page.text for name in names.values()), why


def _check_taxii(server: RunningServer, client: httpx.Client, world: World, org: str) -> None:
    url = server.collection_url(world.collection) + "objects/"
    if not world.rules.may_read(org, world.collection):
        resp = client.get(url, headers={"Accept": TAXII})
        assert resp.status_code in (403, 404), resp.text
        assert world.case_id not in resp.text
        return
    expected = world.taxii_ids(org)
    pages = max(1, math.ceil(len(expected) / 2))
    found: list[str] = []
    cursor: str | None = None
    for n in range(pages):
        params = {"match[type]": CASE_TYPES, "limit": "2", **({"next": cursor} if cursor else {})}
        resp = client.get(url, headers={"Accept": TAXII}, params=params)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        last = n == pages - 1
        assert body["more"] is not last, world.explain(org)
        assert len(body.get("objects", [])) == (len(expected) - 2 * n if last else 2), world.explain(org)
        found += [o["id"] for o in body.get("objects", [])]
        cursor = body.get("next")
    assert set(found) == expected and len(found) == len(expected), world.explain(org)


@pytest.fixture(autouse=True)
def constituents(engine: Engine) -> None:
    """ThaiCERT's constituent TH-BANK and TH-BANK's own constituent TH-BANK-SOC."""
    with write_transaction(engine) as conn:
        for short, parent in PARENTS.items():
            kind = OrgKind.CONSTITUENT
            add_org(
                conn, short_name=short, name=f"Constituent {short}", country="TH", kind=kind, parent=parent
            )


@pytest.fixture
def readers(server: RunningServer) -> Iterator[dict[str, Reader]]:
    """A REST client (an analyst's token) and a signed-in browser session of a user, per organisation."""
    made: dict[str, Reader] = {}
    password_hash = hash_password(PASSWORD)  # once: argon2 is slow on purpose
    for org in ORGS:
        email = f"cases-{org.lower()}@props.example"
        with write_transaction(server.engine) as conn:
            add_user(conn, email=email, org=org, role=Role.ANALYST)
            set_password_hash(conn, email=email, password_hash=password_hash)
        token = token_for(server.engine, org, role=Role.ANALYST)
        api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})
        web = httpx.Client(base_url=server.url)
        csrf = re.search(r'name="csrf" value="([^"]+)"', web.get("/login").text)
        assert csrf is not None
        signed = web.post("/login", data={"csrf": csrf.group(1), "email": email, "password": PASSWORD})
        assert signed.status_code == 303, signed.text
        made[org] = Reader(org, api, web)
    yield made
    for r in made.values():
        r.api.close()
        r.web.close()


# --- a fixed world where readers see strict subsets (the positive control random worlds may miss) ------

FIXED = CaseDraw(
    lead="SingCERT",
    participants=(("ThaiCERT", "assisting"),),
    tlp="green",
    group=None,
    groups=(
        GroupDraw("community", frozenset({"SingCERT", "ThaiCERT"})),
        GroupDraw("named-recipients", frozenset({"ThaiCERT"})),
    ),
    readers=None,
    default_group=None,
    entries=(
        EntryDraw("event", 0, 2, 0),  # AMBER+STRICT for group 0, by SingCERT
        EntryDraw("task", 1, 3, 1),  # RED for group 1 (ThaiCERT alone), by ThaiCERT
        EntryDraw("impact", 1, 1, None),  # AMBER for the whole community, by ThaiCERT
        EntryDraw("event", 1, 1, 0),  # AMBER for group 0, by ThaiCERT: its constituents see it too
    ),
)


def test_a_fixed_world_shows_each_organisation_its_own_part(engine: Engine) -> None:
    """A GREEN case of SingCERT for the whole community, ThaiCERT assisting; an AMBER+STRICT event of
    SingCERT for {SingCERT, ThaiCERT}, a RED task of ThaiCERT for the named recipients {ThaiCERT}, an
    AMBER impact of ThaiCERT and an AMBER event of ThaiCERT for {SingCERT, ThaiCERT}: the lead sees all
    but the task; ThaiCERT everything; its constituents (at any depth) the AMBER ones; MyCERT the
    impact only. The same world is an explicit example of the HTTP property below."""
    world = make_world(engine, FIXED)
    strict, task, impact, amber = (e.id for e in world.entries)
    by_hand = {
        "SingCERT": {strict, impact, amber},
        "ThaiCERT": {strict, task, impact, amber},
        "TH-BANK": {impact, amber},
        "TH-BANK-SOC": {impact, amber},
        "MyCERT": {impact},
    }
    for org, ids in by_hand.items():
        assert world.entries_in_case(org) == ids, org  # the oracle agrees with the answer worked by hand
        seen = incidents.get_case(engine, actor=_as(engine, org), case_id=world.case_id)
        assert _ids(seen) == ids, org
    check_service(engine, world)


# --- the properties ----------------------------------------------------------------------------------


@_settings(EXAMPLES)
@given(draw=cases())
def test_every_organisation_sees_exactly_the_case_and_entries_the_rules_allow(
    engine: Engine, draw: CaseDraw
) -> None:
    world = make_world(engine, draw)
    _label(world, draw)
    check_service(engine, world)


@_settings(HTTP_EXAMPLES)
@given(draw=cases())
@example(draw=FIXED)
def test_rest_taxii_and_the_case_page_show_each_organisation_the_same(
    server: RunningServer, readers: dict[str, Reader], draw: CaseDraw
) -> None:
    world = make_world(server.engine, draw)
    _label(world, draw)
    check_service(server.engine, world)
    check_http(server, readers, world)
