"""The service calls behind the incident-case pages, one function per page action, each taking ``actor``.

Each calls one ``gotong.incidents`` verb, which checks roles and applies the sharing policy itself;
what is left here is reading a form into the verb's request and turning the verb's refusals into
problems named by form field. Nothing here decides who may do or see what.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import Engine

from gotong import incidents
from gotong.core.auth import Principal
from gotong.errors import Invalid, NotFound
from gotong.sharing.tlp import TLP
from gotong.stix.validate import extension_properties
from gotong.web.forms import problems_of
from gotong.web.services import FormInvalid, signed_in

SEVERITIES: list[tuple[str, str]] = [
    (str(k), f"{k}: {v}") for k, v in sorted(incidents.SEVERITY_LEVELS.items())
]
STATUSES: list[str] = [str(s) for s in incidents.CaseStatus]
PAPS: list[str] = [str(p) for p in incidents.PAP]
EVENT_KINDS: list[str] = [str(k) for k in incidents.EventKind]
ROLES: list[str] = [str(r) for r in incidents.ParticipantRole]
OUTCOMES: list[str] = [str(o) for o in incidents.TaskOutcome]
IMPACT_CATEGORIES: list[str] = [str(c) for c in incidents.ImpactCategory]


def _measure(category: str) -> tuple[str, str]:
    """The one property an impact of ``category`` must have (Incident Core's impact extensions, as
    ``stix/data/stix21.json`` describes them), and its kind: what the impact form's measure is."""
    properties, required = extension_properties(category)
    return required[0], properties[required[0]]


IMPACT_MEASURES: dict[str, tuple[str, str]] = {c: _measure(c) for c in IMPACT_CATEGORIES}


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


# ----------------------------------------------------------------- list and read
PAGE_SIZE = 50


@dataclass(frozen=True)
class CasePage:
    cases: list[incidents.CasePublic]
    more: bool
    next: str | None  # the opaque token of the next page


def cases(
    engine: Engine,
    *,
    actor: Principal,
    status: str,
    lead: str,
    min_severity: str,
    after: str = "",
    size: int = PAGE_SIZE,
) -> CasePage:
    """One page of the cases the actor may see, newest first; ``after`` is the token a page gave."""
    signed_in(actor)
    try:
        wanted = incidents.CaseFilter(
            status=status or None, lead=lead.strip() or None, min_severity=min_severity or None
        )
    except ValidationError as exc:
        raise FormInvalid(problems_of(exc, {"status", "lead", "min_severity"}, "status")) from None
    floor = _page_key(after) if after else None
    found = incidents.list_cases(engine, actor=actor, filter=wanted)
    rest = [c for c in found if floor is None or (c.created, c.id) < floor]
    shown = rest[:size]
    more = len(rest) > size
    return CasePage(shown, more, _page_token(shown[-1]) if more else None)


def _page_token(case: incidents.CasePublic) -> str:
    # The last case shown, which the reader may see: the token tells nothing else.
    return base64.urlsafe_b64encode(f"{case.created}|{case.id}".encode()).decode().rstrip("=")


def _page_key(token: str) -> tuple[str, str]:
    try:
        created, _, case_id = (
            base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().partition("|")
        )
    except (ValueError, UnicodeDecodeError):
        created = case_id = ""
    if not created or not case_id.startswith("incident--"):
        raise FormInvalid({"next": "This is not a page of the case list; start again from the first page."})
    return created, case_id


def case(engine: Engine, *, actor: Principal, case_id: str) -> incidents.CasePublic:
    signed_in(actor)
    return incidents.get_case(engine, actor=actor, case_id=case_id)


def clocks(engine: Engine, *, actor: Principal, case_id: str) -> list[incidents.ClockPublic]:
    """Every party's clocks of the case, breached ones first, then by due time."""
    signed_in(actor)
    found = incidents.case_clocks(engine, actor=actor, case_id=case_id)
    return sorted(found, key=lambda c: (c.state != incidents.ClockState.BREACHED, c.due, c.party))


def sitrep(engine: Engine, *, actor: Principal, case_id: str) -> str:
    signed_in(actor)
    return incidents.sitrep(engine, actor=actor, case_id=case_id)


def acknowledge(engine: Engine, *, actor: Principal, case_id: str) -> None:
    signed_in(actor)
    incidents.acknowledge_case(engine, actor=actor, case_id=case_id)


def takes_part(case: incidents.CasePublic, actor: Principal) -> bool:
    """Whether the actor's organisation leads or takes part in the case (it may acknowledge it)."""
    return actor.org_short == case.lead or any(p.org == actor.org_short for p in case.participants)


def next_statuses(case: incidents.CasePublic) -> list[str]:
    """The statuses the data files let this case move to (the verb still decides who may move it)."""
    return sorted(str(s) for s in incidents.allowed_next(case.status))


# ----------------------------------------------------------------- open a case
@dataclass(frozen=True)
class CaseForm:
    title: str = ""
    description: str = ""
    collection: str = ""
    tlp: str = "amber"
    pap: str = "amber"
    severity: str = "1"
    rsit: str = ""
    sectors: str = ""
    participants: str = ""


CASE_FIELDS = {
    "title",
    "description",
    "collection",
    "tlp",
    "pap",
    "severity",
    "rsit",
    "sectors",
    "participants",
}


def open_case(engine: Engine, *, actor: Principal, form: CaseForm) -> str:
    """Open a case led by the actor's organisation from the form; returns its id."""
    signed_in(actor)
    problems: dict[str, str] = {}
    if not form.title.strip():
        problems["title"] = "Enter a title that says what happened"
    if not form.collection:
        problems["collection"] = "Choose a collection"
    try:  # the sharing module's own reading of a level, so its message lands next to the field
        TLP.parse(form.tlp)
    except Invalid as exc:
        problems["tlp"] = exc.message[:1].upper() + exc.message[1:]
    if problems:
        raise FormInvalid(problems)
    try:
        request = incidents.CaseCreate(
            title=form.title.strip(),
            description=form.description.strip(),
            collection=form.collection,
            tlp=form.tlp,
            pap=form.pap,
            severity=int(form.severity) if form.severity.isdigit() else None,
            rsit=form.rsit.strip() or None,
            sectors=_split(form.sectors),
            participants=[
                incidents.Participant(org=org, role=incidents.ParticipantRole.ASSISTING)
                for org in _split(form.participants)
            ],
        )
        return incidents.open_case(engine, actor=actor, case=request).id
    except (ValidationError, Invalid, NotFound) as exc:  # NotFound: a collection or organisation named
        raise FormInvalid(problems_of(exc, CASE_FIELDS, "title")) from None


# ----------------------------------------------------------------- changes on the case page
def change_status(engine: Engine, *, actor: Principal, case_id: str, status: str, reason: str) -> None:
    signed_in(actor)
    try:
        update = incidents.CaseUpdate(status=status or None, reason=reason.strip())
        incidents.update_case(engine, actor=actor, case_id=case_id, update=update)
    except (ValidationError, Invalid) as exc:
        raise FormInvalid(_prefixed(problems_of(exc, {"status", "reason"}, "status"), "status")) from None


def add_event(
    engine: Engine, *, actor: Principal, case_id: str, name: str, kind: str, description: str
) -> None:
    signed_in(actor)
    if not name.strip():
        raise FormInvalid({"event-name": "Enter what happened"})
    try:
        event = incidents.EventCreate(name=name.strip(), kind=kind, description=description.strip())
        incidents.add_event(engine, actor=actor, case_id=case_id, event=event)
    except (ValidationError, Invalid) as exc:
        raise FormInvalid(
            _prefixed(problems_of(exc, {"name", "kind", "description"}, "name"), "event")
        ) from None


def add_task(
    engine: Engine, *, actor: Principal, case_id: str, name: str, assigned_to: str, description: str
) -> None:
    signed_in(actor)
    problems = {}
    if not name.strip():
        problems["task-name"] = "Enter what is to be done"
    if not assigned_to.strip():
        problems["task-assigned_to"] = "Enter the organisation that is to do it"
    if problems:
        raise FormInvalid(problems)
    incidents.get_case(engine, actor=actor, case_id=case_id)  # a case not visible stays a 404 page
    try:
        task = incidents.TaskCreate(
            name=name.strip(), assigned_to=assigned_to.strip(), description=description.strip()
        )
        incidents.add_task(engine, actor=actor, case_id=case_id, task=task)
    except (ValidationError, Invalid, NotFound) as exc:  # NotFound here: the organisation assigned
        fields = {"name", "assigned_to", "description"}
        raise FormInvalid(_prefixed(problems_of(exc, fields, "assigned_to"), "task")) from None


def hand_over(engine: Engine, *, actor: Principal, case_id: str, lead: str, reason: str) -> None:
    """Give the lead of the case to another organisation; the reason is recorded with the change."""
    signed_in(actor)
    if not lead.strip():
        raise FormInvalid({"lead-lead": "Choose the organisation that takes the lead"})
    try:
        update = incidents.CaseUpdate(lead=lead.strip(), reason=reason.strip())
        incidents.update_case(engine, actor=actor, case_id=case_id, update=update)
    except (ValidationError, Invalid, NotFound) as exc:  # NotFound: the organisation named
        raise FormInvalid(_prefixed(problems_of(exc, {"lead", "reason"}, "lead"), "lead")) from None


def set_severity(engine: Engine, *, actor: Principal, case_id: str, severity: str, reason: str) -> None:
    """Change the case's regional severity (0-4), with the reason recorded."""
    signed_in(actor)
    if not severity.isdigit():
        raise FormInvalid({"severity-severity": "Choose a severity from 0 to 4"})
    try:
        update = incidents.CaseUpdate(severity=int(severity), reason=reason.strip())
        incidents.update_case(engine, actor=actor, case_id=case_id, update=update)
    except (ValidationError, Invalid) as exc:
        fields = {"severity", "reason"}
        raise FormInvalid(_prefixed(problems_of(exc, fields, "severity"), "severity")) from None


def add_participant(engine: Engine, *, actor: Principal, case_id: str, org: str, role: str) -> None:
    """Add an organisation to the case in a role, or give a participant another role."""
    signed_in(actor)
    if not org.strip():
        raise FormInvalid({"participant-org": "Enter the organisation's short name, for example VNCERT"})
    found = incidents.get_case(engine, actor=actor, case_id=case_id)
    try:
        wanted = incidents.Participant(org=org.strip(), role=role or None)
        kept = [p for p in found.participants if p.org.lower() != wanted.org.lower()]
        update = incidents.CaseUpdate(participants=[*kept, wanted])
        incidents.update_case(engine, actor=actor, case_id=case_id, update=update)
    except (ValidationError, Invalid, NotFound) as exc:
        fields = {"org", "role", "participants"}
        raise FormInvalid(_prefixed(problems_of(exc, fields, "org"), "participant")) from None


def remove_participant(engine: Engine, *, actor: Principal, case_id: str, org: str) -> None:
    """Take an organisation off the case's participants."""
    signed_in(actor)
    found = incidents.get_case(engine, actor=actor, case_id=case_id)
    kept = [p for p in found.participants if p.org != org]
    if len(kept) == len(found.participants):
        raise FormInvalid({"participant-org": f"{org} does not take part in this case"})
    try:
        incidents.update_case(
            engine, actor=actor, case_id=case_id, update=incidents.CaseUpdate(participants=kept)
        )
    except Invalid as exc:
        raise FormInvalid({"participant-org": exc.message[:1].upper() + exc.message[1:]}) from None


def record_outcome(
    engine: Engine, *, actor: Principal, case_id: str, task_id: str, outcome: str, note: str
) -> None:
    """Record a task's outcome (the lead or the organisation the task is assigned to may)."""
    signed_in(actor)
    try:
        update = incidents.TaskUpdate(outcome=outcome or None, note=note.strip())
        incidents.update_task(engine, actor=actor, case_id=case_id, task_id=task_id, update=update)
    except (ValidationError, Invalid) as exc:
        raise FormInvalid(_prefixed(problems_of(exc, {"outcome", "note"}, "outcome"), "outcome")) from None


@dataclass(frozen=True)
class ImpactForm:
    name: str = ""
    category: str = ""
    measure: str = ""
    criticality: str = ""
    description: str = ""


def add_impact(engine: Engine, *, actor: Principal, case_id: str, form: ImpactForm) -> None:
    """Add an impact: its category, the category's one required measure, and how critical it is."""
    signed_in(actor)
    problems: dict[str, str] = {}
    if not form.name.strip():
        problems["impact-name"] = "Enter what was affected"
    if form.category not in IMPACT_MEASURES:
        problems["impact-category"] = "Choose a category"
    if not form.measure.strip():
        problems["impact-measure"] = "Enter the measure the category asks for"
    if form.criticality.strip() and not form.criticality.strip().isdigit():
        problems["impact-criticality"] = "Enter a whole number from 0 to 100, or leave it empty"
    if problems:
        raise FormInvalid(problems)
    prop, kind = IMPACT_MEASURES[form.category]
    value: object = form.measure.strip()
    if kind.startswith("integer"):
        if not form.measure.strip().isdigit():
            raise FormInvalid({"impact-measure": f"{prop.replace('_', ' ')} is a whole number"})
        value = int(form.measure.strip())
    try:
        impact = incidents.ImpactCreate(
            name=form.name.strip(),
            category=form.category,
            details={prop: value},
            criticality=int(form.criticality) if form.criticality.strip() else None,
            description=form.description.strip(),
        )
        incidents.add_impact(engine, actor=actor, case_id=case_id, impact=impact)
    except (ValidationError, Invalid) as exc:
        fields = {"name", "category", "criticality", "description"}
        problems = _prefixed(problems_of(exc, fields, "measure"), "impact")
        raise FormInvalid(problems) from None


def case_from_alert(engine: Engine, *, actor: Principal, alert_id: int) -> str:
    """Open a case from a regional alert (its objects the actor may see linked); returns its id."""
    signed_in(actor)
    return incidents.case_from_alert(engine, actor=actor, alert_id=alert_id).id


def _measure_hints() -> dict[str, str]:
    """What the impact form's measure means for each category, in words."""
    hints = {}
    for category, (prop, kind) in IMPACT_MEASURES.items():
        name = prop.replace("_", " ")
        if kind.startswith("enum:"):
            hints[category] = f"{name}: one of {', '.join(kind.removeprefix('enum:').split('|'))}"
        elif kind.startswith("integer:0:100"):
            hints[category] = f"{name}: a percentage, 0 to 100"
        else:
            hints[category] = f"{name}: in your words"
    return hints


def _prefixed(problems: dict[str, str], form: str) -> dict[str, str]:
    """Field names of one of the case page's small forms (ids are unique across the page)."""
    return {f"{form}-{k}" if form != "status" else k: v for k, v in problems.items()}


MEASURE_HINTS: dict[str, str] = _measure_hints()  # from the data files, once
