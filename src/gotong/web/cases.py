"""The incident-case pages: the list, the form that opens a case, and a case with its small forms.

Each view parses the request, calls one function of :mod:`gotong.web.cases_services` and renders a
template; what anyone may see or change is the ``gotong.incidents`` verbs' decision.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from gotong.core.permissions import may_write
from gotong.http.dependencies import EngineDep
from gotong.sharing.tlp import TLP
from gotong.web import cases_services as cs
from gotong.web import playbooks_services as ps
from gotong.web import services
from gotong.web.forms import tlp_label
from gotong.web.pages import CsrfDep, PageRoute, ViewerDep, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Short = Annotated[str, Form(max_length=300)]
Text = Annotated[str, Form(max_length=20_000)]


@router.get("/cases")
def case_list(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    status: Annotated[str, Query(max_length=40)] = "",
    lead: Annotated[str, Query(max_length=40)] = "",
    min_severity: Annotated[str, Query(max_length=2)] = "",
    next: Annotated[str, Query(max_length=400)] = "",
) -> Response:
    chosen = {"status": status, "lead": lead, "min_severity": min_severity}
    try:
        found = cs.cases(
            engine, actor=viewer.principal, status=status, lead=lead, min_severity=min_severity, after=next
        )
    except services.FormInvalid as exc:
        context = {
            "page": cs.CasePage([], False, None),
            "filters": chosen,
            "errors": exc.problems,
            **_choices(),
        }
        return render(request, "cases/list.html", context, status=400)
    return render(request, "cases/list.html", {"page": found, "filters": chosen, "errors": {}, **_choices()})


@router.get("/cases/new")
def case_form(request: Request, engine: EngineDep, viewer: ViewerDep) -> Response:
    return _form(request, engine, viewer, cs.CaseForm(), {})


@router.post("/cases/new")
def open_case(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    title: Short = "",
    description: Text = "",
    collection: Annotated[str, Form(max_length=100)] = "",
    tlp: Annotated[str, Form(max_length=40)] = "",
    pap: Annotated[str, Form(max_length=40)] = "",
    severity: Annotated[str, Form(max_length=2)] = "",
    rsit: Annotated[str, Form(max_length=100)] = "",
    sectors: Annotated[str, Form(max_length=2000)] = "",
    participants: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    form = cs.CaseForm(title, description, collection, tlp, pap, severity, rsit, sectors, participants)
    try:
        case_id = cs.open_case(engine, actor=viewer.principal, form=form)
    except services.FormInvalid as exc:
        return _form(request, engine, viewer, form, exc.problems, status=400)
    return see_other(f"/cases/{case_id}?done=opened")


def _form(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    form: cs.CaseForm,
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    collections = services.writable_collections(engine, actor=viewer.principal)
    context = {"form": form, "errors": errors, "collections": collections, **_choices()}
    return render(request, "cases/new.html", context, status=status)


@router.get("/cases/{case_id}")
def case_page(
    request: Request, case_id: str, engine: EngineDep, viewer: ViewerDep, done: str = ""
) -> Response:
    return render_case(request, engine, viewer, case_id, {}, done=done)


def render_case(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    case_id: str,
    errors: dict[str, str],
    *,
    done: str = "",
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Response:
    """The case page, with a form's ``errors`` (and the ``values`` to show again) when one was refused."""
    found = cs.case(engine, actor=viewer.principal, case_id=case_id)
    context = {
        "case": found,
        "runs": ps.case_runs(engine, actor=viewer.principal, case_id=case_id),
        "playbook_choices": [(p.id, p.name) for p in ps.playbook_list(engine, actor=viewer.principal)],
        "clocks": cs.clocks(engine, actor=viewer.principal, case_id=case_id),
        "takes_part": cs.takes_part(found, viewer.principal),
        "next_statuses": cs.next_statuses(found),
        "errors": errors,
        "done": done,
        "values": values or {},
        "writer": may_write(viewer.principal),
        **_choices(),
    }
    return render(request, "cases/detail.html", context, status=status)


@router.post("/cases/{case_id}/status")
def change_status(
    request: Request,
    case_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    status: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        cs.change_status(engine, actor=viewer.principal, case_id=case_id, status=status, reason=reason)
    except services.FormInvalid as exc:
        values = {"reason": reason}
        return render_case(request, engine, viewer, case_id, exc.problems, status=400, values=values)
    return see_other(f"/cases/{case_id}?done=status#history")


@router.get("/cases/{case_id}/sitrep.md")
def sitrep(case_id: str, engine: EngineDep, viewer: ViewerDep) -> Response:
    """The case's situation report as Markdown, with only what the reader may see."""
    text = cs.sitrep(engine, actor=viewer.principal, case_id=case_id)
    return Response(text, media_type="text/markdown; charset=utf-8")


@router.post("/cases/{case_id}/acknowledge")
def acknowledge(case_id: str, engine: EngineDep, viewer: ViewerDep, _: CsrfDep) -> Response:
    cs.acknowledge(engine, actor=viewer.principal, case_id=case_id)
    return see_other(f"/cases/{case_id}?done=acknowledged#clocks")


@router.post("/cases/{case_id}/events")
def add_event(
    request: Request,
    case_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    name: Annotated[str, Form(alias="event-name", max_length=300)] = "",
    kind: Annotated[str, Form(alias="event-kind", max_length=40)] = "",
    description: Annotated[str, Form(alias="event-description", max_length=20_000)] = "",
) -> Response:
    try:
        cs.add_event(
            engine, actor=viewer.principal, case_id=case_id, name=name, kind=kind, description=description
        )
    except services.FormInvalid as exc:
        values = {"event-name": name, "event-description": description}
        return render_case(request, engine, viewer, case_id, exc.problems, status=400, values=values)
    return see_other(f"/cases/{case_id}?done=event#events")


@router.post("/cases/{case_id}/tasks")
def add_task(
    request: Request,
    case_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    name: Annotated[str, Form(alias="task-name", max_length=300)] = "",
    assigned_to: Annotated[str, Form(alias="task-assigned_to", max_length=40)] = "",
    description: Annotated[str, Form(alias="task-description", max_length=20_000)] = "",
) -> Response:
    try:
        cs.add_task(
            engine,
            actor=viewer.principal,
            case_id=case_id,
            name=name,
            assigned_to=assigned_to,
            description=description,
        )
    except services.FormInvalid as exc:
        values = {"task-name": name, "task-assigned_to": assigned_to, "task-description": description}
        return render_case(request, engine, viewer, case_id, exc.problems, status=400, values=values)
    return see_other(f"/cases/{case_id}?done=task#tasks")


@router.post("/cases/{case_id}/lead")
def hand_over(
    request: Request,
    case_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    lead: Annotated[str, Form(alias="lead-lead", max_length=40)] = "",
    reason: Annotated[str, Form(alias="lead-reason", max_length=2000)] = "",
) -> Response:
    try:
        cs.hand_over(engine, actor=viewer.principal, case_id=case_id, lead=lead, reason=reason)
    except services.FormInvalid as exc:
        values = {"lead-lead": lead, "lead-reason": reason}
        return render_case(request, engine, viewer, case_id, exc.problems, status=400, values=values)
    return see_other(f"/cases/{case_id}?done=lead#parties")


@router.post("/cases/{case_id}/severity")
def set_severity(
    request: Request,
    case_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    severity: Annotated[str, Form(alias="severity-severity", max_length=2)] = "",
    reason: Annotated[str, Form(alias="severity-reason", max_length=2000)] = "",
) -> Response:
    try:
        cs.set_severity(engine, actor=viewer.principal, case_id=case_id, severity=severity, reason=reason)
    except services.FormInvalid as exc:
        values = {"severity-reason": reason}
        return render_case(request, engine, viewer, case_id, exc.problems, status=400, values=values)
    return see_other(f"/cases/{case_id}?done=severity#parties")


@router.post("/cases/{case_id}/participants")
def add_participant(
    request: Request,
    case_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    org: Annotated[str, Form(alias="participant-org", max_length=40)] = "",
    role: Annotated[str, Form(alias="participant-role", max_length=40)] = "",
) -> Response:
    try:
        cs.add_participant(engine, actor=viewer.principal, case_id=case_id, org=org, role=role)
    except services.FormInvalid as exc:
        values = {"participant-org": org}
        return render_case(request, engine, viewer, case_id, exc.problems, status=400, values=values)
    return see_other(f"/cases/{case_id}?done=participants#parties")


@router.post("/cases/{case_id}/participants/remove")
def remove_participant(
    request: Request,
    case_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    org: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        cs.remove_participant(engine, actor=viewer.principal, case_id=case_id, org=org)
    except services.FormInvalid as exc:
        return render_case(request, engine, viewer, case_id, exc.problems, status=400)
    return see_other(f"/cases/{case_id}?done=participants#parties")


@router.post("/cases/{case_id}/tasks/{task_id}/outcome")
def record_outcome(
    request: Request,
    case_id: str,
    task_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    outcome: Annotated[str, Form(alias="outcome-outcome", max_length=40)] = "",
    note: Annotated[str, Form(alias="outcome-note", max_length=2000)] = "",
) -> Response:
    try:
        cs.record_outcome(
            engine, actor=viewer.principal, case_id=case_id, task_id=task_id, outcome=outcome, note=note
        )
    except services.FormInvalid as exc:
        values = {"outcome-note": note}
        return render_case(request, engine, viewer, case_id, exc.problems, status=400, values=values)
    return see_other(f"/cases/{case_id}?done=outcome#tasks")


@router.post("/cases/{case_id}/impacts")
def add_impact(
    request: Request,
    case_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    name: Annotated[str, Form(alias="impact-name", max_length=300)] = "",
    category: Annotated[str, Form(alias="impact-category", max_length=40)] = "",
    measure: Annotated[str, Form(alias="impact-measure", max_length=300)] = "",
    criticality: Annotated[str, Form(alias="impact-criticality", max_length=3)] = "",
    description: Annotated[str, Form(alias="impact-description", max_length=20_000)] = "",
) -> Response:
    form = cs.ImpactForm(name, category, measure, criticality, description)
    try:
        cs.add_impact(engine, actor=viewer.principal, case_id=case_id, form=form)
    except services.FormInvalid as exc:
        values = {
            "impact-name": name,
            "impact-measure": measure,
            "impact-criticality": criticality,
            "impact-description": description,
        }
        return render_case(request, engine, viewer, case_id, exc.problems, status=400, values=values)
    return see_other(f"/cases/{case_id}?done=impact#impacts")


@router.post("/alerts/{alert_id}/case")
def case_from_alert(alert_id: int, engine: EngineDep, viewer: ViewerDep, _: CsrfDep) -> Response:
    """Open a case from a regional alert in one action; the case page is next."""
    case_id = cs.case_from_alert(engine, actor=viewer.principal, alert_id=alert_id)
    return see_other(f"/cases/{case_id}?done=from-alert")


def _choices() -> dict[str, object]:
    return {
        "tlp_label": tlp_label,
        "statuses": cs.STATUSES,
        "severities": cs.SEVERITIES,
        "paps": cs.PAPS,
        "event_kinds": cs.EVENT_KINDS,
        "roles": cs.ROLES,
        "outcomes": cs.OUTCOMES,
        "impact_categories": cs.IMPACT_CATEGORIES,
        "measure_hints": cs.MEASURE_HINTS,
        "tlps": [(t.slug, t.label) for t in TLP],
    }
