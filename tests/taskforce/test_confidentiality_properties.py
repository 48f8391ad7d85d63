"""Issue 18's property: the confidentiality of implementation reports, the taskforce's deliberations
and budget reports holds on every read path, checked against the sharing rules on random worlds.

Hypothesis draws, example after example on one node (records accumulate, as on a real node):

* norms implementation reports of random members for random cycles, TLP:AMBER, AMBER+STRICT or RED,
  to the default audience (the member and the taskforce) or to a named-recipients group of the two and
  up to three others (a constituent of ThaiCERT among them, so that AMBER and AMBER+STRICT differ),
  some items filled in, the public summary published or not;
* budget reports of random members for 2025 or 2026, far below or far above the mandate, with the
  same choice of markings and the ranges published or not (a report filed twice is refused);
* a regional norm proposed by a random member (TLP:AMBER to the taskforce);
* the taskforce's records: a review of a member's implementation of a norm, a motion to adopt its
  rating and a motion to impose a measure, votes of random seats, and the clock closing every open
  window (decisions, measures), or not; and the agenda items the budgets' shortfalls table.

The oracle is ``tests/sharing/oracle.py`` (written from docs/sharing.md), applied to the markings
docs/norms.md, docs/taskforce.md and docs/budgets.md give each record. For every organisation of the
preset, a constituent of ThaiCERT and a seat holder of the taskforce, every read path shows exactly
what the rules allow (no leak, no over-restriction):

* the service verbs: reports and summaries, the status per member and norm, proposals, reviews, motions (open
  ones only to the taskforce, decided ones to everyone from the signed decision), measures, the
  agenda, budget reports, compliance (exact where the report is seen, ranges only for others);
* REST, the same lists and each record's read endpoint (404, with the text of an id that does not
  exist, where the record is hidden);
* the web pages ``/norms``, ``/norms/reports/{id}``, ``/taskforce``, ``/taskforce/motions/{id}`` and
  ``/budgets``, signed in as a user of the organisation;
* answers do not depend on what the reader may not see: a member's figures (counts, standing, the
  years below the mandate) read by another reader are the member's own or are not shown.

The default run is quick; a long run, on each engine::

    GOTONG_GOVERN_EXAMPLES=200 .venv/bin/pytest tests/taskforce/test_confidentiality_properties.py -q
    GOTONG_GOVERN_EXAMPLES=200 GOTONG_TEST_DATABASE=postgresql \\
        .venv/bin/pytest tests/taskforce/test_confidentiality_properties.py -q

The HTTP test runs a third of ``GOTONG_GOVERN_EXAMPLES`` (at least 3).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, Phase, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from gotong import budgets, norms, taskforce
from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Conflict, NotFound
from gotong.node import node_key
from gotong.orgs.models import OrgKind
from gotong.orgs.passwords import hash_password, set_password_hash
from gotong.orgs.service import add_org, add_user, create_token, get_org
from gotong.sharing.models import GroupKind
from gotong.sharing.service import add_group, get_group
from gotong.stix.timestamps import now_micros
from gotong.taskforce import records
from tests.conftest import RunningServer
from tests.helpers import TLP2
from tests.sharing.oracle import Collection, Group, Org, Posted, Rules
from tests.taskforce.conftest import holder, seat_principal, seat_token

EXAMPLES = int(os.environ.get("GOTONG_GOVERN_EXAMPLES", "12"))
HTTP_EXAMPLES = max(3, EXAMPLES // 3)
PASSWORD = "govern-properties-password"
DAY = 24 * 3600 * 1_000_000

MEMBERS = {
    "BruCERT": "BN", "CamCERT": "KH", "BSSN": "ID", "LaoCERT": "LA", "MyCERT": "MY",
    "mmCERT": "MM", "CERT-PH": "PH", "SingCERT": "SG", "ThaiCERT": "TH", "VNCERT": "VN",
}  # fmt: skip
STATES = sorted(MEMBERS.values())
TF = "ASEAN-TF"
PARENTS = {"TH-BANK": "ThaiCERT"}
ORGS = (*MEMBERS, "ASEAN-CERT", TF, *PARENTS)
SEAT = "seat"  # the asker who holds Thailand's seat (a user of the taskforce with the taskforce role)
ASKERS = (*ORGS, SEAT)
MARKED = ("amber", "amber+strict", "red")
NORM_ITEMS = [(n.id, i.id) for n in norms.catalogue().norms for i in n.items]
ITEM_STATUSES = [str(s) for s in norms.ItemStatus]
LOW = {"cert-operations": 1000}  # far below every minimum
HIGH = {"cert-operations": 10**16, "cert-staff": 10**16}  # far above every minimum


def _settings(examples: int) -> Callable[[Any], Any]:
    # Records accumulate on the node from example to example, so a failing example is not replayed
    # alone: shrinking would search in vain (the explanation each assertion prints is the world).
    return settings(
        max_examples=examples,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --- what hypothesis draws ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    tlp: str
    extra: frozenset[str] | None  # None: the default (the member and the taskforce)


@dataclass(frozen=True)
class ReportDraw:
    member: str
    cycle: int
    audience: Audience
    filled: tuple[tuple[int, str], ...]  # (index into NORM_ITEMS, status)
    summary: bool


@dataclass(frozen=True)
class BudgetDraw:
    member: str
    year: int
    below: bool
    audience: Audience
    ranges: bool


@dataclass(frozen=True)
class TaskforceDraw:
    review: tuple[str, str, str] | None  # (state reviewed, norm, draft rating)
    measure_on: str | None  # a motion to impose a measure on this state
    votes: tuple[tuple[str, str], ...]  # (seat, choice) on each motion tabled now
    close: bool


@dataclass(frozen=True)
class WorldDraw:
    reports: tuple[ReportDraw, ...]
    budgets: tuple[BudgetDraw, ...]
    taskforce: TaskforceDraw
    proposer: str | None = None  # a member that proposes a regional norm (TLP:AMBER to the taskforce)


audiences = st.builds(
    Audience,
    tlp=st.sampled_from(MARKED),
    extra=st.none()
    | st.lists(st.sampled_from([o for o in ORGS if o != TF]), max_size=3, unique=True).map(frozenset),
)
members = st.sampled_from(sorted(MEMBERS))

worlds = st.builds(
    WorldDraw,
    reports=st.lists(
        st.builds(
            ReportDraw,
            member=members,
            cycle=st.integers(2020, 2027),
            audience=audiences,
            filled=st.lists(
                st.tuples(st.integers(0, len(NORM_ITEMS) - 1), st.sampled_from(ITEM_STATUSES)), max_size=3
            ).map(tuple),
            summary=st.booleans(),
        ),
        max_size=3,
    ).map(tuple),
    budgets=st.lists(
        st.builds(
            BudgetDraw,
            member=members,
            year=st.sampled_from((2025, 2026)),
            below=st.booleans(),
            audience=audiences,
            ranges=st.booleans(),
        ),
        max_size=3,
    ).map(tuple),
    taskforce=st.builds(
        TaskforceDraw,
        review=st.none()
        | st.tuples(
            st.sampled_from(STATES),
            st.sampled_from([n.id for n in norms.catalogue().norms]),
            st.sampled_from(["compliant", "largely", "partially", "non-compliant"]),
        ),
        measure_on=st.none() | st.sampled_from(STATES),
        votes=st.lists(
            st.tuples(st.sampled_from(STATES), st.sampled_from(["yes", "no", "abstain"])), max_size=10
        ).map(tuple),
        close=st.booleans(),
    ),
    proposer=st.none() | members,
)


# --- the ledger: everything made on the node so far, with its markings as the docs give them ----------


@dataclass
class Filed:
    id: str
    member: str
    key: int  # the cycle or the year
    posted: Posted
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(repr=False)
class Ledger:
    engine: Engine
    key: Ed25519PrivateKey  # the node's, that signs decisions
    rules: Rules
    norms_collection: str = ""
    budgets_collection: str = ""
    tf_collection: str = ""
    tf_marking: str = ""
    reports: dict[str, Filed] = field(default_factory=dict)
    summaries: set[str] = field(default_factory=set)  # report ids whose summary is published
    budget_reports: dict[str, Filed] = field(default_factory=dict)
    ranges: set[str] = field(default_factory=set)  # budget report ids whose ranges are published
    reviews: set[str] = field(default_factory=set)
    motions: dict[str, str] = field(default_factory=dict)  # id -> status
    texts: dict[str, str] = field(default_factory=dict)  # motion id -> text
    proposals: dict[str, str] = field(default_factory=dict)  # proposal id -> its proposer

    def __repr__(self) -> str:
        counts = (len(self.reports), len(self.budget_reports), len(self.motions))
        return "Ledger({} reports, {} budgets, {} motions)".format(*counts)

    def sees(self, asker: str, posted: Posted) -> bool:
        return self.rules.sees(_org(asker), posted)

    def deliberation(self) -> Posted:
        return Posted(self.tf_collection, TF, {"object_marking_refs": [TLP2["amber"], self.tf_marking]})

    def explain(self, asker: str) -> str:
        lines = [f"asker {asker}"]
        for kind, filed in (("report", self.reports), ("budget", self.budget_reports)):
            for f in filed.values():
                refs = f.posted.body["object_marking_refs"]
                lines.append(f"  {kind} {f.id} of {f.member} {f.key}: {refs}")
        lines += [f"  group {g.name} {sorted(g.members)} {g.marking_id}" for g in self.rules.groups.values()]
        return "\n".join(lines)


def _org(asker: str) -> str:
    return TF if asker == SEAT else asker


def _principal(engine: Engine, asker: str) -> Principal:
    if asker == SEAT:
        return seat_principal(engine, "TH")
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=asker).id, org_short=asker, role=Role.ANALYST)


def _group_of(ledger: Ledger, name: str, people: frozenset[str]) -> Group:
    with read_connection(ledger.engine) as conn:
        g = get_group(conn, name=name)
    assert frozenset(g.members) == people
    return Group(g.name, "named-recipients", g.marking_id, people)


def _audience(ledger: Ledger, member: str, audience: Audience) -> tuple[str | None, str, frozenset[str]]:
    """The group to name (None: the default) and its name and members, made now if drawn."""
    if audience.extra is None:
        return None, f"{member}+{TF}", frozenset({member, TF})
    people = frozenset({member, TF, *audience.extra})
    name = f"gv-{uuid.uuid4().hex[:10]}"
    with write_transaction(ledger.engine) as conn:
        add_group(conn, name=name, members=sorted(people), kind=GroupKind.NAMED_RECIPIENTS, owner=member)
    return name, name, people


def _posted(
    ledger: Ledger, collection: str, member: str, tlp: str, name: str, people: frozenset[str]
) -> Posted:
    group = _group_of(ledger, name, people)
    ledger.rules = Rules(
        orgs=ledger.rules.orgs,
        groups={**ledger.rules.groups, name: group},
        collections=ledger.rules.collections,
    )
    return Posted(collection, member, {"object_marking_refs": [TLP2[tlp], group.marking_id]})


def _add_collection(ledger: Ledger, collection: str) -> None:
    if collection not in ledger.rules.collections:
        colls = {**ledger.rules.collections, collection: Collection(collection, None, False, None)}
        ledger.rules = Rules(orgs=ledger.rules.orgs, groups=ledger.rules.groups, collections=colls)


# --- making a world through the service ------------------------------------------------------------------


def make_world(ledger: Ledger, draw: WorldDraw) -> None:
    engine = ledger.engine
    for r in draw.reports:
        actor = _principal(engine, r.member)
        group, name, people = _audience(ledger, r.member, r.audience)
        body = norms.ReportCreate(cycle=str(r.cycle), tlp=r.audience.tlp, sharing_group=group)
        taken = any(f.member == r.member and f.key == r.cycle for f in ledger.reports.values())
        if taken:
            with pytest.raises(Conflict, match="already has a report"):
                norms.create_report(engine, actor=actor, report=body)
            continue
        made = norms.create_report(engine, actor=actor, report=body)
        with read_connection(engine) as conn:
            ledger.norms_collection = norms_collection = get_collection_id(conn, norms.NORMS_COLLECTION)
        _add_collection(ledger, norms_collection)
        posted = _posted(ledger, norms_collection, r.member, r.audience.tlp, name, people)
        ledger.reports[made.id] = Filed(made.id, r.member, r.cycle, posted)
        entries = [
            norms.EntryUpdate(item=NORM_ITEMS[i][1], status=s, narrative=f"narrative {made.id} {i}")
            for i, s in dict(r.filled).items()
        ]
        if entries or r.summary:
            norms.update_report(
                engine,
                actor=actor,
                report_id=made.id,
                update=norms.ReportUpdate(entries=entries, publish_summary=r.summary),
            )
        if r.summary:
            ledger.summaries.add(made.id)
    for b in draw.budgets:
        actor = _principal(engine, b.member)
        group, name, people = _audience(ledger, b.member, b.audience)
        budget = budgets.BudgetCreate(
            year=b.year,
            amounts=LOW if b.below else HIGH,
            government_ict_budget=10**12,
            tlp=b.audience.tlp,
            sharing_group=group,
            publish_ranges=b.ranges,
        )
        if any(f.member == b.member and f.key == b.year for f in ledger.budget_reports.values()):
            with pytest.raises(Conflict, match="already has a budget report"):
                budgets.create_report(engine, actor=actor, report=budget)
            continue
        made_budget = budgets.create_report(engine, actor=actor, report=budget)
        with read_connection(engine) as conn:
            ledger.budgets_collection = get_collection_id(conn, budgets.BUDGETS_COLLECTION)
        _add_collection(ledger, ledger.budgets_collection)
        posted = _posted(ledger, ledger.budgets_collection, b.member, b.audience.tlp, name, people)
        ledger.budget_reports[made_budget.id] = Filed(made_budget.id, b.member, b.year, posted)
        if b.ranges:
            ledger.ranges.add(made_budget.id)
    if draw.proposer is not None:
        made_proposal = norms.propose_norm(
            engine,
            actor=_principal(engine, draw.proposer),
            proposal=norms.ProposalCreate(
                norm=f"r{len(ledger.proposals) + 2}",
                title=f"A norm proposed by {draw.proposer}",
                summary="What it asks.",
                items=[norms.ProposalItem(id=f"r{len(ledger.proposals) + 2}-1", text="An item.")],
            ),
        )
        with read_connection(engine) as conn:
            ledger.norms_collection = get_collection_id(conn, norms.NORMS_COLLECTION)
        _add_collection(ledger, ledger.norms_collection)
        ledger.proposals[made_proposal.id] = draw.proposer
    _taskforce_world(ledger, draw.taskforce)


def get_collection_id(conn: Any, alias: str) -> str:
    from gotong.intel.collections import get_collection

    return get_collection(conn, alias).id


def _taskforce_world(ledger: Ledger, draw: TaskforceDraw) -> None:
    engine = ledger.engine
    tabled: list[str] = []
    if draw.review is not None:
        state, norm, rating = draw.review
        others = [s for s in STATES if s != state]
        review = taskforce.open_review(
            engine,
            actor=seat_principal(engine, others[0]),
            review=taskforce.ReviewCreate(
                state=state,
                norm=norm,
                rapporteurs=others[1:3],
                draft_rating=rating,
                findings=f"findings {uuid.uuid4()}",
            ),
        )
        ledger.reviews.add(review.id)
        text = f"Adopt the rating of {state} on ({norm}), {uuid.uuid4().hex[:8]}"
        motion = taskforce.table_motion(
            engine,
            actor=seat_principal(engine, others[1]),
            motion=taskforce.MotionCreate(
                kind="adopt-rating", text=text, seconder=others[2], review=review.id
            ),
        )
        tabled.append(motion.id)
        ledger.texts[motion.id] = text
    if draw.measure_on is not None:
        others = [s for s in STATES if s != draw.measure_on]
        text = f"A recommendation to {draw.measure_on}, {uuid.uuid4().hex[:8]}"
        motion = taskforce.table_motion(
            engine,
            actor=seat_principal(engine, others[0]),
            motion=taskforce.MotionCreate(
                kind="impose-measure", text=text, seconder=others[1], concerned=draw.measure_on
            ),
        )
        tabled.append(motion.id)
        ledger.texts[motion.id] = text
    for motion_id in tabled:
        ledger.motions[motion_id] = "open"
        concerned = taskforce.get_motion(
            engine, actor=seat_principal(engine, "TH"), motion_id=motion_id
        ).concerned
        for seat, choice in draw.votes:
            if seat != concerned:
                taskforce.cast_vote(
                    engine,
                    actor=seat_principal(engine, seat),
                    motion_id=motion_id,
                    vote=taskforce.VoteCast(choice=choice),
                )
    if draw.close:
        for decided in taskforce.close_due(engine, key=ledger.key, now=now_micros() + 60 * DAY):
            ledger.motions[decided.id] = decided.status


# --- what each asker should see --------------------------------------------------------------------------


def expected_reports(ledger: Ledger, asker: str) -> set[str]:
    return {i for i, f in ledger.reports.items() if ledger.sees(asker, f.posted)}


def expected_proposals(ledger: Ledger, asker: str) -> set[str]:
    """A proposal is TLP:AMBER to the taskforce's group, posted by its proposer."""
    marking = {"object_marking_refs": [TLP2["amber"], ledger.tf_marking]}
    return {
        i for i, by in ledger.proposals.items()
        if ledger.sees(asker, Posted(ledger.norms_collection, by, marking))
    }  # fmt: skip


def expected_budgets(ledger: Ledger, asker: str) -> set[str]:
    return {i for i, f in ledger.budget_reports.items() if ledger.sees(asker, f.posted)}


def expected_reviews(ledger: Ledger, asker: str) -> set[str]:
    return set(ledger.reviews) if ledger.sees(asker, ledger.deliberation()) else set()


def expected_motions(ledger: Ledger, asker: str) -> set[str]:
    if ledger.sees(asker, ledger.deliberation()):
        return set(ledger.motions)
    return {m for m, status in ledger.motions.items() if status != "open"}  # the decisions, to all


def expected_agenda(ledger: Ledger, asker: str) -> set[tuple[str, tuple[int, ...]]]:
    """A member whose budget is below the mandate two years running is tabled, seen only by those who
    see every report of the run (each report's markings, or the parties' alone where they differ)."""
    found: set[tuple[str, tuple[int, ...]]] = set()
    for member in MEMBERS:
        run = sorted((f for f in ledger.budget_reports.values() if f.member == member), key=lambda f: f.key)
        years = [f.key for f in run]
        # The shortfall is found as the later year is filed after the earlier, both below.
        if years != [2025, 2026] or not all(f.extra.get("below") for f in run):
            continue
        filed = [f.key for f in ledger.budget_reports.values() if f.member == member]
        if filed != [2025, 2026]:
            continue
        refs = [sorted(f.posted.body["object_marking_refs"]) for f in run]
        if all(r == refs[-1] for r in refs):
            item = run[-1].posted
        else:  # docs/budgets.md: the member and the taskforce alone, at the run's strictest TLP
            strictest = max((f.posted.body["object_marking_refs"][0] for f in run), key=_level)
            parties = _group_of(ledger, f"{member}+{TF}", frozenset({member, TF}))
            rules = {**ledger.rules.groups, parties.name: parties}
            ledger.rules = Rules(orgs=ledger.rules.orgs, groups=rules, collections=ledger.rules.collections)
            item = Posted(
                run[-1].posted.collection_id, member, {"object_marking_refs": [strictest, parties.marking_id]}
            )
        if ledger.sees(asker, item):
            # Never a leak: whoever sees the item sees every year of the run.
            assert all(ledger.sees(asker, f.posted) for f in run), ledger.explain(asker)
            found.add((member, (2025, 2026)))
    return found


def _level(marking: str) -> int:
    return [TLP2[level] for level in ("clear", "green", "amber", "amber+strict", "red")].index(marking)


# --- the checks ---------------------------------------------------------------------------------------


def check_service(ledger: Ledger) -> None:
    engine = ledger.engine
    own_counts = {
        (r.member, int(r.cycle)): r.counts
        for m in MEMBERS
        for r in norms.list_reports(engine, actor=_principal(engine, m))
        if r.member == m
    }
    own_standing = {
        (c.member, c.year): c
        for m in MEMBERS
        for c in budgets.compliance(engine, actor=_principal(engine, m))
        if c.member == m
    }
    for asker in ASKERS:
        why = ledger.explain(asker)
        actor = _principal(engine, asker)
        # Implementation reports, their summaries and the status they add up to.
        seen = expected_reports(ledger, asker)
        listed = norms.list_reports(engine, actor=actor)
        assert {r.id for r in listed} == seen, why
        for r in listed:
            assert r.counts == own_counts[(r.member, int(r.cycle))], why  # the member's own figures
        for report_id in ledger.reports:
            if report_id in seen:
                assert norms.get_report(engine, actor=actor, report_id=report_id).id == report_id
            else:
                with pytest.raises(NotFound, match=f"no implementation report {report_id} is visible"):
                    norms.get_report(engine, actor=actor, report_id=report_id)
        published = {(ledger.reports[i].member, ledger.reports[i].key) for i in ledger.summaries}
        assert {(s.member, int(s.cycle)) for s in norms.list_summaries(engine, actor=actor)} == published, why
        status = norms.implementation_status(engine, actor=actor)
        by_source = {(s.member, int(s.cycle), s.source) for s in status}
        from_reports = {(ledger.reports[i].member, ledger.reports[i].key, "report") for i in seen}
        from_summaries = {(m, c, "summary") for m, c in published if (m, c, "report") not in from_reports}
        assert by_source == from_reports | from_summaries, why
        for s in status:
            assert s.counts == own_counts[(s.member, int(s.cycle))][s.norm], why
        # Proposals of regional norms: the taskforce and each proposer its own.
        proposed = expected_proposals(ledger, asker)
        assert {p.id for p in norms.list_proposals(engine, actor=actor)} == proposed, why
        for proposal_id in set(ledger.proposals) - proposed:
            with pytest.raises(NotFound, match=f"no proposal {proposal_id} is visible to you"):
                norms.get_proposal(engine, actor=actor, proposal_id=proposal_id)
        # The taskforce: deliberations to the taskforce alone, decisions and measures to all.
        assert {r.id for r in taskforce.list_reviews(engine, actor=actor)} == expected_reviews(
            ledger, asker
        ), why
        motions = expected_motions(ledger, asker)
        assert {m.id for m in taskforce.list_motions(engine, actor=actor)} == motions, why
        for motion_id, status_now in ledger.motions.items():
            if motion_id in motions:
                got = taskforce.get_motion(engine, actor=actor, motion_id=motion_id)
                assert (got.text, got.status) == (ledger.texts[motion_id], status_now), why
            else:
                with pytest.raises(NotFound, match=f"no motion {motion_id} is visible to you"):
                    taskforce.get_motion(engine, actor=actor, motion_id=motion_id)
        everyone = {m.id for m in taskforce.list_measures(engine, actor=_principal(engine, TF))}
        assert {m.id for m in taskforce.list_measures(engine, actor=actor)} == everyone, why
        agenda = {(i.member, tuple(i.years)) for i in taskforce.list_agenda(engine, actor=actor)}
        assert agenda == expected_agenda(ledger, asker), why
        # Budgets: amounts where the report is seen, bands only where published, else nothing.
        seen_budgets = expected_budgets(ledger, asker)
        assert {b.id for b in budgets.list_reports(engine, actor=actor)} == seen_budgets, why
        for report_id in ledger.budget_reports:
            if report_id not in seen_budgets:
                with pytest.raises(NotFound):
                    budgets.get_report(engine, actor=actor, report_id=report_id)
        exact = {(ledger.budget_reports[i].member, ledger.budget_reports[i].key) for i in seen_budgets}
        bands = {
            (ledger.budget_reports[i].member, ledger.budget_reports[i].key) for i in ledger.ranges
        } - exact
        standing = budgets.compliance(engine, actor=actor)
        assert {(c.member, c.year) for c in standing if c.exact} == exact, why
        assert {(c.member, c.year) for c in standing if not c.exact} == bands, why
        for c in standing:
            own = own_standing[(c.member, c.year)]
            if c.exact:
                assert (c.status, c.share, c.rules) == (own.status, own.share, own.rules), why
                # Subject for review only from years the asker sees itself.
                if c.subject_for_review:
                    assert (c.member, c.year - 1) in exact, why
            else:
                assert (c.status, c.share, c.rules, c.subject_for_review) == (None, None, [], None), why
    # Positive controls: the member and the taskforce always see the member's records; the taskforce
    # its deliberations; a seat holder as much as its organisation.
    for f in ledger.reports.values():
        assert f.id in expected_reports(ledger, f.member) and f.id in expected_reports(ledger, TF)
    for f in ledger.budget_reports.values():
        assert f.id in expected_budgets(ledger, f.member) and f.id in expected_budgets(ledger, TF)
    assert expected_reviews(ledger, TF) == ledger.reviews == expected_reviews(ledger, SEAT)
    assert expected_reviews(ledger, "ASEAN-CERT") == set()
    for proposal_id, by in ledger.proposals.items():
        assert proposal_id in expected_proposals(ledger, by) and proposal_id in expected_proposals(ledger, TF)


def _label(ledger: Ledger) -> None:
    partial = [
        a for a in ASKERS if a not in (TF, SEAT) and set(ledger.reports) and expected_reports(ledger, a)
        and expected_reports(ledger, a) != set(ledger.reports)
    ]  # fmt: skip
    event("some member sees some reports of others" if partial else "no member sees another's report")
    event(f"{len(ledger.motions)} motions so far")


# --- over HTTP ----------------------------------------------------------------------------------------


@dataclass
class Reader:
    asker: str
    api: httpx.Client
    web: httpx.Client


def _same_404(hidden: httpx.Response, absent: httpx.Response, hidden_id: str, absent_id: str) -> None:
    assert hidden.status_code == absent.status_code == 404, hidden.text
    assert hidden.text.replace(hidden_id, "ID") == absent.text.replace(absent_id, "ID")


def check_http(ledger: Ledger, readers: dict[str, Reader]) -> None:
    absent_report = f"{norms.REPORT_TYPE}--{uuid.uuid4()}"
    absent_motion = f"gotong-taskforce-motion--{uuid.uuid4()}"
    for asker, r in readers.items():
        why = ledger.explain(asker)
        seen = expected_reports(ledger, asker)
        assert {x["id"] for x in r.api.get("/api/v1/norms/reports").json()} == seen, why
        page = r.web.get("/norms")
        assert page.status_code == 200
        assert set(re.findall(r'href="/norms/reports/([^"?#]+)"', page.text)) == seen, why
        for report_id in ledger.reports:
            one, html = (
                r.api.get(f"/api/v1/norms/reports/{report_id}"),
                r.web.get(f"/norms/reports/{report_id}"),
            )
            if report_id in seen:
                assert one.status_code == html.status_code == 200, why
                assert one.json()["id"] == report_id
            else:
                _same_404(one, r.api.get(f"/api/v1/norms/reports/{absent_report}"), report_id, absent_report)
                _same_404(html, r.web.get(f"/norms/reports/{absent_report}"), report_id, absent_report)
        proposed = expected_proposals(ledger, asker)
        assert {x["id"] for x in r.api.get("/api/v1/norms/proposals").json()} == proposed, why
        assert set(re.findall(r"<code>(gotong-norms-proposal--[^<]+)</code>", page.text)) == proposed, why
        absent_proposal = f"{norms.PROPOSAL_TYPE}--{uuid.uuid4()}"
        for proposal_id in ledger.proposals:
            one = r.api.get(f"/api/v1/norms/proposals/{proposal_id}")
            if proposal_id in proposed:
                assert one.status_code == 200, why
            else:
                absent = r.api.get(f"/api/v1/norms/proposals/{absent_proposal}")
                _same_404(one, absent, proposal_id, absent_proposal)
        reviews = r.api.get("/api/v1/taskforce/reviews").json()
        assert {x["id"] for x in reviews} == expected_reviews(ledger, asker), why
        motions = expected_motions(ledger, asker)
        assert {x["id"] for x in r.api.get("/api/v1/taskforce/motions").json()} == motions, why
        agenda_page = r.web.get("/taskforce")
        assert agenda_page.status_code == 200
        linked = set(re.findall(r'href="/taskforce/motions/([^"?#]+)"', agenda_page.text))
        assert linked == motions, why
        for motion_id in ledger.motions:
            if motion_id not in motions:
                assert ledger.texts[motion_id] not in agenda_page.text, why
        assert ("No review that you may see." in agenda_page.text) == (not expected_reviews(ledger, asker))
        agenda = {(x["member"], tuple(x["years"])) for x in r.api.get("/api/v1/taskforce/agenda").json()}
        assert agenda == expected_agenda(ledger, asker), why
        assert agenda_page.text.count("Budget below the mandate") == len(agenda), why
        for motion_id in ledger.motions:
            one, html = (
                r.api.get(f"/api/v1/taskforce/motions/{motion_id}"),
                r.web.get(f"/taskforce/motions/{motion_id}"),
            )
            if motion_id in motions:
                assert one.status_code == html.status_code == 200, why
                assert ledger.texts[motion_id] in html.text
            else:
                _same_404(
                    one, r.api.get(f"/api/v1/taskforce/motions/{absent_motion}"), motion_id, absent_motion
                )
                _same_404(html, r.web.get(f"/taskforce/motions/{absent_motion}"), motion_id, absent_motion)
        seen_budgets = expected_budgets(ledger, asker)
        assert {x["id"] for x in r.api.get("/api/v1/budgets/reports").json()} == seen_budgets, why
        for report_id in ledger.budget_reports:
            one = r.api.get(f"/api/v1/budgets/reports/{report_id}")
            assert one.status_code == (200 if report_id in seen_budgets else 404), why
        exact = {(ledger.budget_reports[i].member, ledger.budget_reports[i].key) for i in seen_budgets}
        standing = r.api.get("/api/v1/budgets/compliance").json()
        assert {(c["member"], c["year"]) for c in standing if c["exact"]} == exact, why
        budgets_page = r.web.get("/budgets")
        assert budgets_page.status_code == 200
        shown = {
            (m, int(y)) for m, y in re.findall(r'<h3 id="budget-\d+">(\S+) (\d{4})</h3>', budgets_page.text)
        }
        assert shown == exact, why


@pytest.fixture
def ledger(seated: RunningServer) -> Ledger:
    with write_transaction(seated.engine) as conn:
        for short, parent in PARENTS.items():
            add_org(
                conn, short_name=short, name=f"Constituent {short}", country="TH",
                kind=OrgKind.CONSTITUENT, parent=parent,
            )  # fmt: skip
    _tf, group = records.setup(seated.engine)
    with read_connection(seated.engine) as conn:
        tf_collection = records.collection_id(conn)
    rules = Rules(
        orgs={o: Org(o, PARENTS.get(o)) for o in ORGS},
        groups={group.name: Group(group.name, "named-recipients", group.marking_id, frozenset({TF}))},
        collections={tf_collection: Collection(tf_collection, None, False, None)},
    )
    return Ledger(
        seated.engine,
        node_key(seated.settings),
        rules,
        tf_collection=tf_collection,
        tf_marking=group.marking_id,
    )


@pytest.fixture
def readers(seated: RunningServer, ledger: Ledger) -> Iterator[dict[str, Reader]]:
    made: dict[str, Reader] = {}
    password_hash = hash_password(PASSWORD)
    for asker in ASKERS:
        if asker == SEAT:
            email, token = holder("TH"), seat_token(seated.engine, "TH")
        else:
            email = f"govern-{asker.lower()}@props.example"
            with write_transaction(seated.engine) as conn:
                add_user(conn, email=email, org=asker, role=Role.ANALYST)
                token = create_token(conn, org=asker, role=Role.ANALYST)
        with write_transaction(seated.engine) as conn:
            set_password_hash(conn, email=email, password_hash=password_hash)
        api = httpx.Client(base_url=seated.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
        web = httpx.Client(base_url=seated.url, timeout=60)
        csrf = re.search(r'name="csrf" value="([^"]+)"', web.get("/login").text)
        assert csrf is not None
        signed = web.post("/login", data={"csrf": csrf.group(1), "email": email, "password": PASSWORD})
        assert signed.status_code == 303, signed.text
        made[asker] = Reader(asker, api, web)
    yield made
    for r in made.values():
        r.api.close()
        r.web.close()


# --- a fixed world: a member below the mandate two years running, each year to another audience ------


SHORTFALL = WorldDraw(
    reports=(),
    budgets=(
        BudgetDraw("VNCERT", 2025, True, Audience("amber+strict", None), False),
        BudgetDraw("VNCERT", 2026, True, Audience("amber+strict", frozenset({"ThaiCERT"})), False),
    ),
    taskforce=TaskforceDraw(("VN", "g", "partially"), "VN", (("TH", "yes"), ("SG", "yes")), True),
    proposer="MyCERT",
)


def test_a_shortfall_is_tabled_only_for_those_who_see_every_year_of_it(ledger: Ledger) -> None:
    """Viet Nam's 2025 budget goes to Viet Nam and the taskforce alone; its 2026 budget also to
    Thailand. Both are below the mandate, so the second tables a shortfall for 2025 and 2026. Thailand
    sees the 2026 report but not the 2025 one: it must not learn from the agenda that Viet Nam was
    below in 2025 (nor from its compliance, which judges only the year it sees)."""
    make_world(ledger, SHORTFALL)
    _mark_below(ledger)
    th, vn, tf = (_principal(ledger.engine, o) for o in ("ThaiCERT", "VNCERT", TF))
    assert [(i.member, i.years) for i in taskforce.list_agenda(ledger.engine, actor=tf)] == [
        ("VNCERT", [2025, 2026])
    ]
    assert [i.member for i in taskforce.list_agenda(ledger.engine, actor=vn)] == ["VNCERT"]
    assert taskforce.list_agenda(ledger.engine, actor=th) == []
    [standing] = budgets.compliance(ledger.engine, actor=th)
    assert (standing.year, standing.exact, standing.subject_for_review) == (2026, True, False)
    check_service(ledger)


def _mark_below(ledger: Ledger) -> None:
    """Record in the ledger which budget reports are below the mandate (as their member sees them)."""
    for f in ledger.budget_reports.values():
        [own] = [
            c
            for c in budgets.compliance(ledger.engine, actor=_principal(ledger.engine, f.member))
            if (c.member, c.year) == (f.member, f.key)
        ]
        f.extra["below"] = str(own.status) == "below"


# --- the properties ----------------------------------------------------------------------------------


@_settings(EXAMPLES)
@given(draw=worlds)
def test_every_asker_sees_exactly_the_reports_deliberations_and_budgets_the_rules_allow(
    ledger: Ledger, draw: WorldDraw
) -> None:
    make_world(ledger, draw)
    _mark_below(ledger)
    _label(ledger)
    check_service(ledger)


@_settings(HTTP_EXAMPLES)
@given(draw=worlds)
@example(draw=SHORTFALL)
def test_rest_and_the_pages_show_each_asker_the_same(
    ledger: Ledger, readers: dict[str, Reader], draw: WorldDraw
) -> None:
    make_world(ledger, draw)
    _mark_below(ledger)
    check_service(ledger)
    check_http(ledger, readers)
