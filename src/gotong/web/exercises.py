"""The exercise pages: ``/exercises`` (the drills the viewer sees and its upcoming injects in its own
time zone) and ``/exercises/{id}`` (the published rubric; for the hub the timeline of every inject and
response with all scores; for a participant its injects, with a button to acknowledge each, its results
and the anonymised distribution). Each view calls :mod:`gotong.web.exercises_services` and renders."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from gotong import reports
from gotong.core.permissions import may_write
from gotong.http.dependencies import EngineDep
from gotong.web import exercises_services as exs
from gotong.web import services
from gotong.web.charts import bar_chart
from gotong.web.forms import tlp_label
from gotong.web.pages import CsrfDep, PageRoute, ViewerDep, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/exercises")
def exercise_list(request: Request, engine: EngineDep, viewer: ViewerDep) -> Response:
    return _list(request, engine, viewer)


def _list(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    *,
    errors: dict[str, str] | None = None,
    form: Mapping[str, object] | None = None,
    status: int = 200,
) -> Response:
    found, upcoming, zone = exs.listing(engine, actor=viewer.principal)
    context = {
        "exercises": found,
        "upcoming": upcoming,
        "zone": zone,
        "library": exs.library(engine, actor=viewer.principal),
        "errors": errors or {},
        "form": form or {"scenario": "", "name": "", "participants": []},
        "tlp_label": tlp_label,
    }
    return render(request, "exercises/list.html", context, status=status)


@router.post("/exercises")
async def create_exercise(request: Request, engine: EngineDep, viewer: ViewerDep, _: CsrfDep) -> Response:
    posted = await request.form()
    scenario, name = (str(posted.get(k, ""))[:limit] for k, limit in (("scenario", 100), ("name", 200)))
    chosen = [p for p in posted.getlist("participants") if isinstance(p, str)][:50]
    try:
        made = exs.create(engine, actor=viewer.principal, scenario=scenario, name=name, participants=chosen)
    except services.FormInvalid as exc:
        form = {"scenario": scenario, "name": name, "participants": chosen}
        return _list(request, engine, viewer, errors=exc.problems, form=form, status=400)
    return see_other(f"/exercises/{made}?done=created")


@router.get("/exercises/{exercise_id}/after-action")
def after_action(
    request: Request,
    exercise_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    format: Annotated[str, Query(pattern="^(html|pdf)$")] = "html",
    done: str = "",
) -> Response:
    """The after-action report of a stopped drill: a standalone document, or its PDF."""
    if format == "pdf":
        found = exs.after_action(engine, actor=viewer.principal, exercise_id=exercise_id)
        headers = {"Content-Disposition": 'inline; filename="gotong-after-action.pdf"'}
        return Response(reports.render_after_action_pdf(found), media_type="application/pdf", headers=headers)
    return _report(request, engine, viewer, exercise_id, done=done)


def _report(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    exercise_id: str,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
    form: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    found = exs.report_page(engine, actor=viewer.principal, exercise_id=exercise_id)
    context = {
        "page": found,
        "body": reports.render_after_action_body(found.report),
        "done": done,
        "errors": errors or {},
        "form": form or {},
    }
    return render(request, "exercises/after_action.html", context, status=status)


@router.post("/exercises/{exercise_id}/actions")
async def add_action(
    request: Request, exercise_id: str, engine: EngineDep, viewer: ViewerDep, _: CsrfDep
) -> Response:
    posted = await request.form()
    limits = {"participant": 100, "action": 2000, "owner": 200, "due": 10, "objective": 64, "capacity": 200}
    form = {k: str(posted.get(k, ""))[:n] for k, n in limits.items()}
    try:
        exs.add_action(engine, actor=viewer.principal, exercise_id=exercise_id, **form)
    except services.FormInvalid as exc:
        return _report(request, engine, viewer, exercise_id, errors=exc.problems, form=form, status=400)
    return see_other(f"/exercises/{exercise_id}/after-action?done=added#tracked")


@router.post("/exercises/{exercise_id}/actions/{action_id}")
def change_action(
    request: Request,
    exercise_id: str,
    action_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    status: Annotated[str, Form(max_length=10)] = "",
    evidence: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    try:
        exs.change_action(
            engine,
            actor=viewer.principal,
            exercise_id=exercise_id,
            action_id=action_id,
            status=status,
            evidence=evidence,
        )
    except services.FormInvalid as exc:
        return _report(request, engine, viewer, exercise_id, errors=exc.problems, status=400)
    return see_other(f"/exercises/{exercise_id}/after-action?done={status or 'changed'}#tracked")


@router.get("/exercises/{exercise_id}")
def exercise_page(
    request: Request, exercise_id: str, engine: EngineDep, viewer: ViewerDep, done: str = ""
) -> Response:
    return _page(request, engine, viewer, exercise_id, done=done)


def _page(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    exercise_id: str,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    found = exs.page(engine, actor=viewer.principal, exercise_id=exercise_id)
    chart = bar_chart(
        "Distribution of the scores",
        "How many participants scored in each quarter of the points, without names.",
        exs.bands(found.scores.distribution),
    )
    context = {
        "chart": chart,
        "page": found,
        "item": found.exercise,
        "done": done,
        "errors": errors or {},
        "tlp_label": tlp_label,
        "writer": may_write(viewer.principal),
    }
    return render(request, "exercises/detail.html", context, status=status)


@router.post("/exercises/{exercise_id}/appeals")
def file_appeal(
    request: Request,
    exercise_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    inject: Annotated[str, Form(max_length=100)] = "",
    expectation: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(alias="appeal-reason", max_length=4000)] = "",
) -> Response:
    try:
        exs.file_appeal(
            engine,
            actor=viewer.principal,
            exercise_id=exercise_id,
            inject=inject,
            expectation=expectation,
            reason=reason,
        )
    except services.FormInvalid as exc:
        return _page(request, engine, viewer, exercise_id, errors=exc.problems, status=400)
    return see_other(f"/exercises/{exercise_id}?done=appealed#appeals")


@router.post("/exercises/{exercise_id}/appeals/{appeal_id}/decision")
def decide_appeal(
    request: Request,
    exercise_id: str,
    appeal_id: str,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    outcome: Annotated[str, Form(alias="decision-outcome", max_length=20)] = "",
    points: Annotated[str, Form(alias="decision-points", max_length=6)] = "",
    reason: Annotated[str, Form(alias="decision-reason", max_length=4000)] = "",
) -> Response:
    try:
        exs.decide_appeal(
            engine,
            actor=viewer.principal,
            exercise_id=exercise_id,
            appeal_id=appeal_id,
            outcome=outcome,
            points=points,
            reason=reason,
        )
    except services.FormInvalid as exc:
        return _page(request, engine, viewer, exercise_id, errors=exc.problems, status=400)
    return see_other(f"/exercises/{exercise_id}?done=decided#appeals")


@router.post("/exercises/{exercise_id}/injects/{inject_id}/ack")
def acknowledge(
    request: Request, exercise_id: str, inject_id: str, engine: EngineDep, viewer: ViewerDep, _: CsrfDep
) -> Response:
    exs.acknowledge(engine, actor=viewer.principal, exercise_id=exercise_id, inject_id=inject_id)
    return see_other(f"/exercises/{exercise_id}?done=acknowledged#injects")
