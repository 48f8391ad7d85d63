"""The verbs of maturity assessment: start, fill in, ask a review, review, publish; read one, a
history, the gaps against a profile; the regional view and the tiers an actor may see.

Assessments are STIX objects written through the intelligence store, so TLP, sharing groups, the
audit log and federation apply unchanged, and every read goes through the intel read path, which
carries the sharing policy; every aggregate here is computed only over what that path returns.
A draft is TLP:RED with no recipients (only its writer sees it); in review it is TLP:AMBER+STRICT to a
named group of the organisation and its reviewer; published, it carries the TLP and audience the
organisation chose (default: TLP:AMBER+STRICT to a group of itself and the hub).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from gotong import training
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Invalid, NotFound
from gotong.maturity import charts, objects, policy, records, storage
from gotong.maturity import gaps as analysis
from gotong.maturity.models import Framework, frameworks, get_framework
from gotong.maturity.schemas import (
    AssessmentCreate,
    AssessmentPublic,
    AssessmentStatus,
    AssessmentUpdate,
    CategoryPublic,
    EntryInput,
    FrameworkPublic,
    GapPublic,
    GapReport,
    LevelPublic,
    ParameterPublic,
    ProfilePublic,
    Publication,
    RegionMember,
    RegionPublic,
    Review,
    TierPublic,
    TrainingEvidence,
)
from gotong.orgs.service import get_org
from gotong.sharing.service import get_group, load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import now_micros

__all__ = [
    "assessment_gaps",
    "create_assessment",
    "get_assessment",
    "history",
    "list_assessments",
    "list_frameworks",
    "publish_assessment",
    "radar_svg",
    "region",
    "review_assessment",
    "tiers_for",
    "update_assessment",
]


# ----------------------------------------------------------------- frameworks
def list_frameworks(*, actor: Principal) -> list[FrameworkPublic]:
    """Every framework of the data files, with its scale, parameters and profiles."""
    policy.may_read(actor)
    return [_framework_public(f) for f in frameworks().values()]


def _framework_public(f: Framework) -> FrameworkPublic:
    return FrameworkPublic(
        id=f.id,
        name=f.name,
        owner=f.owner,
        levels=[LevelPublic(value=v, name=n, meaning=m) for v, n, m in f.levels],
        categories=[CategoryPublic(id=c.id, name=c.name, priority=c.priority) for c in f.categories],
        parameters=[
            ParameterPublic(id=p.id, name=p.name, category=p.category, description=p.description)
            for p in f.parameters
        ],
        profiles=[
            ProfilePublic(
                id=p.id,
                name=p.name,
                kind=str(p.kind),
                rank=p.rank,
                own_choice=p.own_choice,
                levels=dict(p.levels),
            )
            for p in f.profiles.values()
        ],
        default_profile=f.default_profile,
        cycle_months=f.cycle_months,
    )


# ----------------------------------------------------------------- the cycle
def create_assessment(
    engine: Engine, *, actor: Principal, assessment: AssessmentCreate, now: int | None = None
) -> AssessmentPublic:
    """Start a self-assessment of the actor's organisation (a draft only it sees)."""
    policy.may_change(actor)
    at = now if now is not None else now_micros()
    framework = get_framework(assessment.framework)
    tlp = records.tlp(assessment.tlp)
    with read_connection(engine) as conn:
        org = get_org(conn, org_id=records.org_id(actor))
        chosen = get_group(conn, name=assessment.sharing_group) if assessment.sharing_group else None
        publisher = records.publisher(conn, org)
    if chosen is not None:
        records.check_audience(chosen, tlp, org)
    stamp = records.ts(at)
    props: dict[str, Any] = {
        "org_ref": org.identity_id,
        "framework": framework.id,
        "assessed_on": assessment.assessed_on or stamp[:10],
        "status": str(AssessmentStatus.DRAFT),
        "entries": _merged(framework, [], assessment.entries),
        "history": [records.entry("started", stamp, org.identity_id, "")],
        "publish_tlp": tlp.slug,
    }
    if chosen is not None:
        props["publish_group"] = chosen.name
    if assessment.whole_network:
        props["publish_whole_network"] = True
    obj = objects.record(
        kind=objects.ASSESSMENT_TYPE,
        now=stamp,
        created_by_ref=org.identity_id,
        name=f"{org.short_name} {framework.name} assessment of {props['assessed_on']}",
        marking_refs=[TLP.RED.marking_id],
        props=props,
    )
    collection = records.collection(engine)
    storage.write(engine, actor, collection, [*objects.extension_definitions(publisher), obj])
    return get_assessment(engine, actor=actor, assessment_id=obj["id"])


def update_assessment(
    engine: Engine, *, actor: Principal, assessment_id: str, update: AssessmentUpdate, now: int | None = None
) -> AssessmentPublic:
    """The organisation fills in its draft (the entries given replace those of their parameters) or
    asks an organisation (the hub or another member) to review it."""
    policy.may_change(actor)
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        collection, obj = storage.find(conn, load_reader(conn, actor), objects.ASSESSMENT_TYPE, assessment_id)
        org = records.org_by_identity(conn, obj["org_ref"])
        reviewer = get_org(conn, short_name=update.reviewer) if update.reviewer else None
    status = AssessmentStatus(obj["status"])
    policy.may_fill_in(actor, status, org_id=org.id)
    framework = get_framework(obj["framework"])
    stamp = records.after(obj["modified"], at)
    props = records.props(obj)
    markings = list(obj["object_marking_refs"])
    changed = False
    if update.entries is not None:
        props["entries"] = _merged(framework, props["entries"], update.entries)
        props["history"] = [*props["history"], records.entry("filled in", stamp, org.identity_id, "")]
        changed = True
    if update.assessed_on is not None:
        props["assessed_on"] = update.assessed_on
        changed = True
    if reviewer is not None:
        if reviewer.id == org.id:
            raise Invalid("reviewer: a review is made by another organisation (the hub or a member)")
        props["reviewer_ref"] = reviewer.identity_id
        props["status"] = str(AssessmentStatus.IN_REVIEW)
        props["history"] = [
            *props["history"],
            records.entry("review asked", stamp, org.identity_id, f"asked {reviewer.short_name}"),
        ]
        markings = [TLP.AMBER_STRICT.marking_id, records.pair_group(engine, org, reviewer).marking_id]
        changed = True
    if not changed:
        raise Invalid("nothing to change: give entries, an assessed_on date or a reviewer")
    storage.write(
        engine, actor, collection, [objects.revised(obj, modified=stamp, props=props, markings=markings)]
    )
    return get_assessment(engine, actor=actor, assessment_id=assessment_id)


def review_assessment(
    engine: Engine, *, actor: Principal, assessment_id: str, review: Review, now: int | None = None
) -> AssessmentPublic:
    """The reviewer changes levels, each with a recorded reason (the self-assessed level is kept
    beside the new one), and says when it is done."""
    policy.may_change(actor)
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        collection, obj = storage.find(conn, load_reader(conn, actor), objects.ASSESSMENT_TYPE, assessment_id)
        reviewer = records.org_by_identity(conn, obj["reviewer_ref"]) if obj.get("reviewer_ref") else None
        by = get_org(conn, org_id=records.org_id(actor)).identity_id
    status = AssessmentStatus(obj["status"])
    policy.may_review(actor, status, reviewer_id=reviewer.id if reviewer else None)
    framework = get_framework(obj["framework"])
    if not review.changes and not review.done:
        raise Invalid("nothing to change: give level changes with reasons, or done")
    stamp = records.after(obj["modified"], at)
    props = records.props(obj)
    entries = {e["parameter"]: dict(e) for e in props["entries"]}
    history = list(props["history"])
    for change in review.changes:
        parameter = _parameter(framework, change.parameter)
        if not change.reason.strip():
            raise Invalid(f"reason: a reviewer changes {parameter} only with a reason")
        _check_level(framework, change.level, parameter)
        entry = entries.setdefault(parameter, {"parameter": parameter})
        if "reviewed_by" not in entry and entry.get("level") is not None:
            entry["self_level"] = entry["level"]  # kept once, beside every later change
        was = entry.get("self_level")
        entry["level"] = change.level
        entry["review_reason"] = change.reason.strip()
        entry["reviewed_by"] = by
        history.append(
            records.entry(
                "level changed", stamp, by, f"{parameter}: {was} -> {change.level}: {change.reason}"
            )
        )
    if review.done:
        props["status"] = str(AssessmentStatus.REVIEWED)
        history.append(records.entry("reviewed", stamp, by, ""))
    props["entries"] = [entries[p.id] for p in framework.parameters if p.id in entries]
    props["history"] = history
    new = objects.revised(obj, modified=stamp, props=props, markings=list(obj["object_marking_refs"]))
    storage.write(engine, actor, collection, [new])
    return get_assessment(engine, actor=actor, assessment_id=assessment_id)


def publish_assessment(
    engine: Engine,
    *,
    actor: Principal,
    assessment_id: str,
    publication: Publication | None = None,
    now: int | None = None,
) -> AssessmentPublic:
    """Publish an assessment (a draft, or one whose review is done) to the audience its organisation
    chose: every parameter must be rated."""
    policy.may_change(actor)
    chosen_now = publication or Publication()
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        collection, obj = storage.find(conn, load_reader(conn, actor), objects.ASSESSMENT_TYPE, assessment_id)
        org = records.org_by_identity(conn, obj["org_ref"])
        group_name = chosen_now.sharing_group or obj.get("publish_group")
        chosen = get_group(conn, name=group_name) if group_name else None
        hub_org = records.hub_or_none(conn)
    policy.may_publish(actor, AssessmentStatus(obj["status"]), org_id=org.id)
    framework = get_framework(obj["framework"])
    rated = {e["parameter"] for e in obj["entries"] if e.get("level") is not None}
    missing = [p.id for p in framework.parameters if p.id not in rated]
    if missing:
        raise Invalid(f"entries: rate every parameter before publishing; missing {', '.join(missing)}")
    tlp = records.tlp(chosen_now.tlp or obj.get("publish_tlp", TLP.AMBER_STRICT.slug))
    whole = (
        chosen_now.whole_network if chosen_now.whole_network is not None else obj.get("publish_whole_network")
    )
    if whole and chosen is not None:
        raise Invalid("sharing_group: name a group or publish to the whole network, not both")
    if whole and tlp == TLP.RED:
        raise Invalid("tlp: TLP:RED goes to named recipients, never to the whole network")
    if chosen is not None:
        records.check_audience(chosen, tlp, org)
        markings, audience = [tlp.marking_id, chosen.marking_id], chosen.name
    elif whole:
        # No sharing group: the collection's audience (the whole community) under the TLP's rule.
        markings, audience = [tlp.marking_id], "the whole network"
    else:
        group = records.pair_group(engine, org, hub_org or org)
        markings, audience = [tlp.marking_id, group.marking_id], group.name
    stamp = records.after(obj["modified"], at)
    props = records.props(obj)
    props["status"] = str(AssessmentStatus.PUBLISHED)
    props["history"] = [
        *props["history"],
        records.entry("published", stamp, org.identity_id, f"to {audience}"),
    ]
    new = objects.revised(obj, modified=stamp, props=props, markings=markings)
    storage.write(engine, actor, collection, [new])
    return get_assessment(engine, actor=actor, assessment_id=assessment_id)


# ----------------------------------------------------------------- reading
def get_assessment(engine: Engine, *, actor: Principal, assessment_id: str) -> AssessmentPublic:
    """One assessment the actor may see, every parameter of its framework in order."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        collection, obj = storage.find(conn, load_reader(conn, actor), objects.ASSESSMENT_TYPE, assessment_id)
        return objects.assessment_public(
            obj, collection=collection, names=records.names(conn), groups=records.groups(conn)
        )


def list_assessments(
    engine: Engine,
    *,
    actor: Principal,
    org: str | None = None,
    status: AssessmentStatus | None = None,
    framework: str | None = None,
) -> list[AssessmentPublic]:
    """The assessments the actor may see, newest first (by date assessed, then by when written)."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        names, groups = records.names(conn), records.groups(conn)
        found = [
            objects.assessment_public(obj, collection=c, names=names, groups=groups)
            for c, obj in storage.assessments(conn, reader)
        ]
    found = [
        a
        for a in found
        if (org is None or a.org == org)
        and (status is None or a.status == status)
        and (framework is None or a.framework == framework)
    ]
    return sorted(found, key=lambda a: (a.assessed_on, a.created, a.id), reverse=True)


def history(
    engine: Engine, *, actor: Principal, org: str, framework: str = "sim3-v1"
) -> list[AssessmentPublic]:
    """An organisation's published assessments that the actor may see, oldest first."""
    published = list_assessments(
        engine, actor=actor, org=org, status=AssessmentStatus.PUBLISHED, framework=framework
    )
    return list(reversed(published))


def assessment_gaps(
    engine: Engine, *, actor: Principal, assessment_id: str, profile: str | None = None
) -> GapReport:
    """The parameters below the profile (default: the framework's target), in priority order; the
    tier reached; the change since the previous published assessment the actor sees."""
    found = get_assessment(engine, actor=actor, assessment_id=assessment_id)
    framework = get_framework(found.framework)
    chosen = framework.profile(profile)
    levels = {e.parameter: e.level for e in found.entries}
    earlier = [
        a
        for a in history(engine, actor=actor, org=found.org, framework=framework.id)
        if (a.assessed_on, a.created) < (found.assessed_on, found.created) and a.id != found.id
    ]
    previous = earlier[-1] if earlier else None
    moved = (
        analysis.changes(framework, levels, {e.parameter: e.level for e in previous.entries})
        if previous
        else {}
    )
    tier = analysis.tier_reached(framework, levels)
    with read_connection(engine) as conn:
        # Completed compulsory training is evidence for the Human parameters its course serves
        # (courses name their SIM3 parameters, by default from their topics: data/training/).
        trained = training.evidence_for(conn, actor=actor, org=found.org)
    found_gaps = [_with_training(g, trained) for g in analysis.gaps(framework, levels, chosen)]
    return GapReport(
        assessment=found.id,
        org=found.org,
        assessed_on=found.assessed_on,
        profile=chosen.id,
        profile_name=chosen.name,
        own_choice=chosen.own_choice,
        tier=tier.id if tier else None,
        gaps=found_gaps,
        met=len(framework.parameters) - len(found_gaps),
        total=len(framework.parameters),
        previous=previous.id if previous else None,
        changes=moved,
    )


def _with_training(gap: GapPublic, trained: list[training.EvidencePublic]) -> GapPublic:
    rows = [
        TrainingEvidence(
            course_title=r.course_title,
            participant=r.participant,
            completed_on=r.completed_on.isoformat(),
            enrolment=r.enrolment,
            attested_by=r.attested_by,
        )
        for r in trained
        if r.parameter == gap.parameter and gap.category == "H"
    ]
    return gap.model_copy(update={"training": rows}) if rows else gap


def radar_svg(
    engine: Engine, *, actor: Principal, assessment_id: str, category: str, profile: str | None = None
) -> str:
    """The radar of one category of an assessment the actor sees, against the profile's levels."""
    found = get_assessment(engine, actor=actor, assessment_id=assessment_id)
    framework = get_framework(found.framework)
    chosen = framework.profile(profile)
    name = framework.category(category.upper()).name
    levels = {e.parameter: e.level for e in found.entries}
    title = f"{found.org}, {name}: levels of {found.assessed_on} against {chosen.name}"
    return charts.radar(framework, category.upper(), levels, chosen.levels, title=title)


def _latest_published(assessments: list[AssessmentPublic]) -> dict[str, AssessmentPublic]:
    latest: dict[str, AssessmentPublic] = {}
    for a in sorted(assessments, key=lambda a: (a.assessed_on, a.created, a.id)):
        latest[a.org] = a
    return latest


def region(
    engine: Engine,
    *,
    actor: Principal,
    framework: str = "sim3-v1",
    profile: str | None = None,
    before: str | None = None,
) -> RegionPublic:
    """Each organisation's latest published assessment that the actor may see, with the distribution
    of levels per parameter and of tiers: computed only over those. With ``before`` (a day,
    YYYY-MM-DD), only assessments assessed before it count: the region as it stood then."""
    fw = get_framework(framework)
    chosen = fw.profile(profile)
    published = list_assessments(engine, actor=actor, status=AssessmentStatus.PUBLISHED, framework=fw.id)
    if before is not None:
        published = [a for a in published if a.assessed_on[:10] < before]
    members = []
    distribution = {p.id: {str(v): 0 for v, _, _ in fw.levels} for p in fw.parameters}
    tiers = {t.id: 0 for t in fw.tiers()} | {"none": 0}
    for org, a in sorted(_latest_published(published).items()):
        levels = {e.parameter: e.level for e in a.entries}
        tier = analysis.tier_reached(fw, levels)
        tiers[tier.id if tier else "none"] += 1
        for p, level in levels.items():
            distribution[p][str(level or 0)] += 1
        members.append(
            RegionMember(
                org=org,
                assessment=a.id,
                assessed_on=a.assessed_on,
                tier=tier.id if tier else None,
                levels=levels,
                below_target=len(analysis.gaps(fw, levels, chosen)),
            )
        )
    return RegionPublic(
        framework=fw.id, profile=chosen.id, members=members, distribution=distribution, tiers=tiers
    )


def tiers_for(
    engine: Engine, *, actor: Principal, framework: str = "sim3-v1", before: str | None = None
) -> list[TierPublic]:
    """The tier of each organisation's latest published assessment that the actor may see (for the
    scoreboard and reports), assessed before ``before`` when given; an organisation whose assessment
    the actor may not see is absent."""
    return [
        TierPublic(org=m.org, assessment=m.assessment, assessed_on=m.assessed_on, tier=m.tier)
        for m in region(engine, actor=actor, framework=framework, before=before).members
    ]


# ----------------------------------------------------------------- helpers
def _parameter(framework: Framework, parameter: str) -> str:
    try:
        return framework.parameter(parameter.strip().upper()).id
    except NotFound as exc:
        raise Invalid(f"parameter: {exc.message}") from None


def _check_level(framework: Framework, level: int | None, parameter: str) -> None:
    if level is not None and not 0 <= level <= framework.max_level:
        raise Invalid(f"level: {parameter} is rated 0 to {framework.max_level}, not {level}")


def _merged(
    framework: Framework, entries: list[dict[str, Any]], given: list[EntryInput]
) -> list[dict[str, Any]]:
    """One entry per parameter of the framework, those ``given`` replacing theirs. An unrated
    parameter's entry has no ``level`` (STIX has no null), and empty texts are left out."""
    by_id = {e["parameter"]: e for e in entries}
    for e in given:
        parameter = _parameter(framework, e.parameter)
        _check_level(framework, e.level, parameter)
        entry: dict[str, Any] = {"parameter": parameter}
        if e.level is not None:
            entry["level"] = e.level
        if e.justification.strip():
            entry["justification"] = e.justification.strip()
        evidence = [x.strip() for x in e.evidence if x.strip()]
        if evidence:
            entry["evidence"] = evidence
        by_id[parameter] = entry
    return [by_id.get(p.id, {"parameter": p.id}) for p in framework.parameters]
