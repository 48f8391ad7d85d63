"""The service calls behind the maturity and capacity pages, one function per page action, each
taking ``actor``. Each calls ``gotong.maturity`` verbs, which check roles, ownership and the sharing
policy themselves; what is left here is reading a form (one category's parameters at a time) into the
verb's request, the charts as markup, and turning refusals into problems named by form field.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy import Engine

from gotong import maturity
from gotong.core.auth import Principal
from gotong.errors import Invalid, NotFound
from gotong.web.forms import problems_of
from gotong.web.services import FormInvalid, signed_in

SIM3 = "sim3-v1"


def framework(framework_id: str = SIM3) -> maturity.Framework:
    return maturity.get_framework(framework_id)


def level_id(parameter: str) -> str:
    return f"level-{parameter}"


def justification_id(parameter: str) -> str:
    return f"why-{parameter}"


def evidence_id(parameter: str) -> str:
    return f"evidence-{parameter}"


# ----------------------------------------------------------------- reading
@dataclass(frozen=True)
class Overview:
    mine: list[maturity.AssessmentPublic]
    to_review: list[maturity.AssessmentPublic]


def overview(engine: Engine, *, actor: Principal) -> Overview:
    signed_in(actor)
    seen = maturity.list_assessments(engine, actor=actor)
    return Overview(
        mine=[a for a in seen if a.org == actor.org_short],
        to_review=[a for a in seen if a.reviewer == actor.org_short and a.status == "in-review"],
    )


@dataclass(frozen=True)
class AssessmentPage:
    item: maturity.AssessmentPublic
    framework: maturity.Framework
    gaps: maturity.GapReport
    radars: list[tuple[str, str, Markup]]  # category id, name, chart
    history: list[maturity.AssessmentPublic]
    history_chart: Markup
    progress: dict[str, tuple[int, int]]  # category: rated, total


def assessment(engine: Engine, *, actor: Principal, assessment_id: str, profile: str = "") -> AssessmentPage:
    signed_in(actor)
    item = maturity.get_assessment(engine, actor=actor, assessment_id=assessment_id)
    fw = framework(item.framework)
    try:
        gaps = maturity.assessment_gaps(
            engine, actor=actor, assessment_id=assessment_id, profile=profile or None
        )
    except NotFound as exc:
        raise FormInvalid({"profile": exc.message}) from None
    chosen = fw.profile(gaps.profile)
    levels = {e.parameter: e.level for e in item.entries}
    radars = [
        (
            c.id,
            c.name,
            Markup(
                maturity.radar(
                    fw, c.id, levels, chosen.levels, title=f"{c.name}: levels against {chosen.name}"
                )
            ),
        )
        for c in fw.categories
    ]
    past = maturity.history(engine, actor=actor, org=item.org, framework=fw.id)
    points = [(a.assessed_on, {e.parameter: e.level for e in a.entries}) for a in past]
    chart = Markup(
        maturity.history_chart(fw, points, title=f"{item.org}: average level per category over time")
    )
    progress = {
        c.id: (
            sum(1 for e in item.entries if e.category == c.id and e.level is not None),
            len(fw.in_category(c.id)),
        )
        for c in fw.categories
    }
    return AssessmentPage(item, fw, gaps, radars, past, chart, progress)


@dataclass(frozen=True)
class RegionPage:
    region: maturity.RegionPublic
    heat_map: Markup
    framework: maturity.Framework


def region(engine: Engine, *, actor: Principal) -> RegionPage:
    signed_in(actor)
    found = maturity.region(engine, actor=actor)
    fw = framework(found.framework)
    members = [(m.org, m.levels) for m in found.members]
    chart = Markup(maturity.heat_map(fw, members, title="Levels per parameter and member you may see"))
    return RegionPage(found, chart, fw)


def plans(engine: Engine, *, actor: Principal) -> list[maturity.PlanPublic]:
    signed_in(actor)
    return maturity.list_plans(engine, actor=actor)


def my_published(engine: Engine, *, actor: Principal) -> list[maturity.AssessmentPublic]:
    signed_in(actor)
    return maturity.list_assessments(
        engine, actor=actor, org=actor.org_short, status=maturity.AssessmentStatus.PUBLISHED
    )


# ----------------------------------------------------------------- changes
def start(engine: Engine, *, actor: Principal, assessed_on: str, tlp: str) -> str:
    signed_in(actor)
    try:
        body = maturity.AssessmentCreate(assessed_on=assessed_on or None, tlp=tlp or "amber+strict")
        return maturity.create_assessment(engine, actor=actor, assessment=body).id
    except (ValidationError, Invalid, NotFound) as exc:
        raise FormInvalid(problems_of(exc, {"assessed_on", "tlp"}, "assessed_on")) from None


def save_category(
    engine: Engine, *, actor: Principal, assessment_id: str, category: str, form: dict[str, str]
) -> None:
    """Save one category's parameters from the form (a level left empty stays unrated)."""
    signed_in(actor)
    item = maturity.get_assessment(engine, actor=actor, assessment_id=assessment_id)
    fw = framework(item.framework)
    problems: dict[str, str] = {}
    entries = []
    for p in fw.in_category(category):
        text = form.get(level_id(p.id), "").strip()
        if text and not (text.isdigit() and 0 <= int(text) <= fw.max_level):
            problems[level_id(p.id)] = f"Choose a level from 0 to {fw.max_level}"
            continue
        evidence = [line.strip() for line in form.get(evidence_id(p.id), "").splitlines() if line.strip()]
        entries.append(
            maturity.EntryInput(
                parameter=p.id,
                level=int(text) if text else None,
                justification=form.get(justification_id(p.id), "")[:5000],
                evidence=evidence[:50],
            )
        )
    if problems:
        raise FormInvalid(problems)
    try:
        maturity.update_assessment(
            engine,
            actor=actor,
            assessment_id=assessment_id,
            update=maturity.AssessmentUpdate(entries=entries),
        )
    except (ValidationError, Invalid) as exc:
        raise FormInvalid(problems_of(exc, set(), "entries")) from None


def ask_review(engine: Engine, *, actor: Principal, assessment_id: str, reviewer: str) -> None:
    signed_in(actor)
    if not reviewer.strip():
        raise FormInvalid({"reviewer": "Enter the organisation you ask to review"})
    try:
        update = maturity.AssessmentUpdate(reviewer=reviewer.strip())
        maturity.update_assessment(engine, actor=actor, assessment_id=assessment_id, update=update)
    except (ValidationError, Invalid, NotFound) as exc:
        raise FormInvalid(problems_of(exc, {"reviewer"}, "reviewer")) from None


def review(
    engine: Engine,
    *,
    actor: Principal,
    assessment_id: str,
    parameter: str,
    level: str,
    reason: str,
    done: bool,
) -> None:
    signed_in(actor)
    changes = []
    if parameter:
        if not level.isdigit():
            raise FormInvalid({"level": "Choose the level you find"})
        if not reason.strip():
            raise FormInvalid({"reason": "Enter why you change the level"})
        changes.append(maturity.ReviewChange(parameter=parameter, level=int(level), reason=reason.strip()))
    try:
        body = maturity.Review(changes=changes, done=done)
        maturity.review_assessment(engine, actor=actor, assessment_id=assessment_id, review=body)
    except (ValidationError, Invalid) as exc:
        raise FormInvalid(problems_of(exc, {"parameter", "level", "reason"}, "parameter")) from None


def publish(engine: Engine, *, actor: Principal, assessment_id: str) -> None:
    signed_in(actor)
    try:
        maturity.publish_assessment(engine, actor=actor, assessment_id=assessment_id)
    except Invalid as exc:
        raise FormInvalid(problems_of(exc, set(), "publish")) from None


def make_plan(engine: Engine, *, actor: Principal, assessment_id: str) -> str:
    signed_in(actor)
    if not assessment_id:
        raise FormInvalid({"assessment": "Choose one of your published assessments"})
    try:
        return maturity.create_plan(
            engine, actor=actor, plan=maturity.PlanCreate(assessment=assessment_id)
        ).id
    except (ValidationError, Invalid, NotFound) as exc:
        raise FormInvalid(problems_of(exc, {"assessment"}, "assessment")) from None


def update_item(
    engine: Engine, *, actor: Principal, plan_id: str, item: int, status: str, evidence: str, provider: str
) -> None:
    signed_in(actor)
    try:
        change = maturity.PlanItemUpdate(
            item=item, status=status or None, evidence=evidence or None, provider=provider or None
        )
        maturity.update_plan(engine, actor=actor, plan_id=plan_id, update=maturity.PlanUpdate(items=[change]))
    except (ValidationError, Invalid) as exc:
        raise FormInvalid(problems_of(exc, {"status", "evidence", "provider"}, "status")) from None


def export(engine: Engine, *, actor: Principal, assessment_id: str, fmt: str) -> tuple[str, str]:
    """The assessment as the file the command line exports (CSV, one row per parameter, or JSON) and
    its media type; only what the viewer may see of it."""
    signed_in(actor)
    found = maturity.get_assessment(engine, actor=actor, assessment_id=assessment_id)
    if fmt == "json":
        return maturity.to_json(found), "application/json"
    return maturity.to_csv(found), "text/csv; charset=utf-8"


IMPORT_LIMIT = 1_000_000  # bytes: 44 parameters with long justifications fit many times over


def import_file(
    engine: Engine, *, actor: Principal, assessment_id: str, filename: str, content: bytes
) -> int:
    """Fill in a draft from an uploaded CSV or JSON file (the export's shapes); returns how many
    parameters it set. A file that cannot be read changes nothing and is named in the problem."""
    signed_in(actor)
    if not content:
        raise FormInvalid(
            {"import-file": "Choose a CSV or JSON file exported from Gotong or shaped like one"}
        )
    if len(content) > IMPORT_LIMIT:
        raise FormInvalid({"import-file": f"The file is larger than {IMPORT_LIMIT // 1000} kB"})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormInvalid({"import-file": "The file is not UTF-8 text"}) from None
    as_json = filename.lower().endswith(".json") or text.lstrip().startswith(("[", "{"))
    try:
        entries = maturity.entries_from_json(text) if as_json else maturity.entries_from_csv(text)
        if not entries:
            raise Invalid("the file holds no parameter")
        maturity.update_assessment(
            engine,
            actor=actor,
            assessment_id=assessment_id,
            update=maturity.AssessmentUpdate(entries=entries),
        )
    except (ValidationError, Invalid) as exc:
        message = exc.message if isinstance(exc, Invalid) else str(exc.errors()[0]["msg"])
        raise FormInvalid({"import-file": f"The file was not read ({message})"}) from None
    return len(entries)
