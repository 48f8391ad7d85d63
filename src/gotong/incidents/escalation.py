"""The escalation ladder at work: for every breached clock of every case, the clock job takes each
step of ``data/incidents/escalation.toml`` that is due and not yet taken, once.

A step is recorded as a timeline event of the case, written in the lead's name and marked in the case
extension (``sla.escalation_mark``), so the record travels with the case and a restart or a second
run finds it and takes the step no more. A notify step is delivered first (e-mail and webhook to the
points of contact, through ``gotong.contacts``) and recorded with what reached whom: a crash between
the two may send a notice twice, never lose it. Each organisation is told only about a case it may
see (the sharing policy, by reading the case as that organisation). A raise step changes the case's
severity through ``service.change_severity``. Each step taken is published as :class:`ClockEscalated`.

Not for finding breaches (``clockwork.check_clocks``) nor for the clock rules (``sla.py``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from gotong.contacts import Delivery, notify_org
from gotong.core import events
from gotong.core.auth import Principal
from gotong.core.events import Event
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Forbidden, NotFound
from gotong.incidents import objects, sla, storage
from gotong.incidents.ladder import Notify, Step, StepAction, ladder
from gotong.incidents.models import SEVERITY_LEVELS, ClockState, EventKind, closes
from gotong.incidents.schemas import CaseFilter, CasePublic, ClockPublic
from gotong.incidents.service import change_severity, get_case, list_cases_with_entries
from gotong.orgs.service import Organisation, hub, list_orgs
from gotong.settings import Settings
from gotong.sharing.service import load_reader
from gotong.stix.timestamps import format_micros, micros_of, now_micros

__all__ = ["ClockEscalated", "escalate_clocks"]

_HOUR = 3_600_000_000
_OPEN_TITLES = {"clear", "green"}  # a notice names the case only when its TLP lets mail carry it


@dataclass(frozen=True)
class ClockEscalated(Event):
    """A step of the escalation ladder was taken for a breached clock and recorded on the case."""

    case_id: str
    collection_id: str
    lead: str
    party: str
    clock: str
    due: str
    step: int
    action: str
    severity: int


def escalate_clocks(engine: Engine, *, settings: Settings, now: int | None = None) -> list[ClockEscalated]:
    """The clock job's second half: take every due step of the ladder for every breached clock of
    every case that has not ended, each once; returns the steps taken, in order."""
    with _ONE_RUN:
        return _escalate(engine, settings, now if now is not None else now_micros())


# One run at a time in a process (the job, a test or a command calling it): each run reads the steps
# already taken after the previous one has recorded its own, so none is taken twice.
_ONE_RUN = threading.Lock()


def _escalate(engine: Engine, settings: Settings, at: int) -> list[ClockEscalated]:
    steps = ladder()
    with read_connection(engine) as conn:
        orgs = list_orgs(conn)
        try:
            hub_org: Organisation | None = hub(conn)
        except NotFound:
            hub_org = None
    taken: list[ClockEscalated] = []
    for org in orgs:
        lead = Principal(org_id=org.id, org_short=org.short_name)
        for case in list_cases_with_entries(engine, actor=lead, filter=CaseFilter(lead=org.short_name)):
            if not closes(case.status):
                taken += _escalate_case(engine, settings, _Scene(lead, org, orgs, hub_org), case, steps, at)
    return taken


@dataclass(frozen=True)
class _Scene:
    lead: Principal
    lead_org: Organisation
    orgs: list[Organisation]
    hub: Organisation | None


def _escalate_case(
    engine: Engine, settings: Settings, scene: _Scene, case: CasePublic, steps: tuple[Step, ...], at: int
) -> list[ClockEscalated]:
    names = {o.identity_id: o.short_name for o in scene.orgs}
    countries = {o.short_name: o.country for o in scene.orgs}
    done = sla.escalation_steps(case, names)
    taken = []
    for clock in sla.clocks_of(case, names=names, countries=countries, now=at):
        if clock.state != ClockState.BREACHED:
            continue
        late = at - micros_of(clock.due)
        have = done.get((clock.party, clock.clock, micros_of(clock.started)), set())
        for step in steps:
            if step.number in have or late < step.after_micros:
                continue
            if step.action == StepAction.NOTIFY:
                taken.append(_notify(engine, settings, scene, case, clock, step, late, at))
            else:
                event, case = _raise(engine, scene, case, clock, step, late, at)
                taken.append(event)
    return taken


def _notify(
    engine: Engine,
    settings: Settings,
    scene: _Scene,
    case: CasePublic,
    clock: ClockPublic,
    step: Step,
    late: int,
    at: int,
) -> ClockEscalated:
    told: list[str] = []
    unseen: list[str] = []
    problems: list[str] = []
    for org in _addressees(scene, case, clock, step):
        if not _may_see(engine, org, case.id):
            unseen.append(org.short_name)
            continue
        deliveries = notify_org(
            engine,
            settings=settings,
            org_id=org.id,
            roles=step.roles,
            subject=_subject(case, clock, step),
            text=_text(settings, case, clock, step, late),
            body=_body(settings, case, clock, step, late),
        )
        told += [org.short_name] if any(d.problem is None for d in deliveries) else []
        problems += _problems(org, step, deliveries)
    hours = _hours(late)
    name = (
        f"Escalation step {step.number}: {clock.name} of {clock.party} is {hours} h late; "
        f"notified {', '.join(told) or 'nobody'} ({', '.join(step.roles)})"
    )
    lines = [f"Not told (may not see this case): {', '.join(unseen)}."] if unseen else []
    lines += problems
    return _record(engine, scene, case, clock, step, name=name, description="\n".join(lines), at=at)


def _raise(
    engine: Engine, scene: _Scene, case: CasePublic, clock: ClockPublic, step: Step, late: int, at: int
) -> tuple[ClockEscalated, CasePublic]:
    hours = _hours(late)
    top = max(SEVERITY_LEVELS)
    since = _ladder_raise_since(case, micros_of(clock.due))
    if since is not None:
        # breaches that are late together raise the case once, not once each
        name = (
            f"Escalation step {step.number}: {clock.name} of {clock.party} is {hours} h late; "
            f"severity already raised by the ladder at {since}"
        )
    elif case.severity >= top:
        name = (
            f"Escalation step {step.number}: {clock.name} of {clock.party} is {hours} h late; "
            f"severity stays at {top} ({SEVERITY_LEVELS[top]}), the highest"
        )
    else:
        reason = (
            f"Escalation step {step.number}: {clock.name} of {clock.party} ({clock.role}) was due "
            f"{clock.due} and is {hours} h late"
        )
        case = change_severity(
            engine,
            actor=scene.lead,
            case_id=case.id,
            severity=case.severity + 1,
            reason=reason,
            now=at,
            mark=_mark(scene, clock, step, raised=True),
        )
        return _published(engine, case, clock, step), case
    return _record(engine, scene, case, clock, step, name=name, description="", at=at), case


def _ladder_raise_since(case: CasePublic, due: int) -> str | None:
    """When the ladder last raised the case's severity at or after ``due``, if it did."""
    for entry in reversed(case.events):
        if sla.escalation_raised(entry.object) and micros_of(entry.created) >= due:
            return entry.created
    return None


def _record(
    engine: Engine,
    scene: _Scene,
    case: CasePublic,
    clock: ClockPublic,
    step: Step,
    *,
    name: str,
    description: str,
    at: int,
) -> ClockEscalated:
    with read_connection(engine) as conn:
        collection, incident = storage.find_case(conn, load_reader(conn, scene.lead), case.id)
    obj = objects.entry(
        "event",
        case_ref=case.id,
        created_by_ref=scene.lead_org.identity_id,
        name=name[:300],
        description=description,
        marking_refs=[str(r) for r in incident.get("object_marking_refs", ())],
        now=format_micros(at, digits=3),
        properties=objects.event_properties(EventKind.ACTION_TAKEN, None),
        gotong=_mark(scene, clock, step),
    )
    storage.write(engine, scene.lead, collection, [obj])
    return _published(engine, case, clock, step)


def _published(engine: Engine, case: CasePublic, clock: ClockPublic, step: Step) -> ClockEscalated:
    event = ClockEscalated(
        case_id=case.id,
        collection_id=case.collection,
        lead=case.lead,
        party=clock.party,
        clock=clock.clock,
        due=clock.due,
        step=step.number,
        action=str(step.action),
        severity=case.severity,
    )
    with write_transaction(engine) as conn:
        events.publish(conn, event)
    return event


def _mark(scene: _Scene, clock: ClockPublic, step: Step, *, raised: bool = False) -> dict[str, Any]:
    party_ref = next(o.identity_id for o in scene.orgs if o.short_name == clock.party)
    return sla.escalation_mark(
        party_ref=party_ref,
        clock=clock.clock,
        started=clock.started,
        step=step.number,
        action=str(step.action),
        raised=raised,
    )


def _addressees(scene: _Scene, case: CasePublic, clock: ClockPublic, step: Step) -> list[Organisation]:
    by_name = {o.short_name: o for o in scene.orgs}
    found: dict[int, Organisation] = {}
    for target in step.notify:
        org = {
            Notify.LEAD: by_name.get(case.lead),
            Notify.PARTY: by_name.get(clock.party),
            Notify.HUB: scene.hub,
        }[target]
        if org is not None:
            found.setdefault(org.id, org)
    return list(found.values())


def _may_see(engine: Engine, org: Organisation, case_id: str) -> bool:
    try:
        get_case(engine, actor=Principal(org_id=org.id, org_short=org.short_name), case_id=case_id)
    except (NotFound, Forbidden):
        return False
    return True


def _problems(org: Organisation, step: Step, deliveries: list[Delivery]) -> list[str]:
    if not deliveries:
        return [
            f"{org.short_name} has no {' or '.join(step.roles)} contact with an e-mail address or a webhook."
        ]
    return [
        f"Not delivered to {org.short_name}'s {d.role} contact {d.contact_id} by {d.channel}: {d.problem}"
        for d in deliveries
        if d.problem is not None
    ]


def _hours(late: int) -> str:
    return f"{late / _HOUR:.1f}".removesuffix(".0")


def _link(settings: Settings, case: CasePublic) -> str | None:
    return f"{settings.base_url.rstrip('/')}/cases/{case.id}" if settings.base_url else None


def _title(case: CasePublic) -> str:
    if case.tlp in _OPEN_TITLES:
        return f'"{case.title}"'
    return f"{case.id} (TLP:{case.tlp.upper()}: sign in to read its title)"


def _subject(case: CasePublic, clock: ClockPublic, step: Step) -> str:
    what = f"{clock.name} of {clock.party} breached on case {_title(case)}"
    return f"Gotong: {what} (escalation step {step.number})"


def _text(settings: Settings, case: CasePublic, clock: ClockPublic, step: Step, late: int) -> str:
    lines = [
        f"A clock of a Gotong case is breached: the case is escalated (step {step.number} of the ladder).",
        "",
        f"Case:     {_title(case)}",
        f"Lead:     {case.lead}",
        f"Severity: {case.severity} ({case.severity_name})",
        f"Clock:    {clock.name} of {clock.party} ({clock.role})",
        f"Due:      {clock.due} ({_hours(late)} h ago)",
    ]
    link = _link(settings, case)
    if link:
        lines += ["", f"Sign in to read the case and act on it: {link}"]
    return "\n".join(lines) + "\n"


def _body(
    settings: Settings, case: CasePublic, clock: ClockPublic, step: Step, late: int
) -> dict[str, object]:
    body: dict[str, object] = {
        "type": "gotong-clock-escalation",
        "case": case.id,
        "lead": case.lead,
        "severity": case.severity,
        "party": clock.party,
        "role": clock.role,
        "clock": clock.clock,
        "due": clock.due,
        "late_seconds": late // 1_000_000,
        "step": step.number,
        "url": _link(settings, case),
    }
    if case.tlp in _OPEN_TITLES:
        body["title"] = case.title
    return body
