"""The training page: compliance (your organisation's; every member's for the hub), the catalogue
with its sessions and seats, the enrol form, and the enrolments you may see with the provider's
attestation button.

Each view parses the request, calls one function of :mod:`gotong.web.training_services` and renders
a template; who may enrol or attest is the ``gotong.training`` verbs' decision. Works without
JavaScript.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from gotong.core.permissions import may_write
from gotong.errors import Forbidden
from gotong.http.dependencies import EngineDep
from gotong.web import services
from gotong.web import training_services as trs
from gotong.web.forms import tlp_label
from gotong.web.pages import CsrfDep, PageRoute, ViewerDep, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/training")
def training_page(request: Request, engine: EngineDep, viewer: ViewerDep, done: str = "") -> Response:
    return _page(request, engine, viewer, {}, done=done)


@router.post("/training/enrol")
def enrol(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    session: Annotated[str, Form(max_length=200)] = "",
    participant: Annotated[str, Form(max_length=254)] = "",
    participant_name: Annotated[str, Form(max_length=200)] = "",
    participant_role: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    values = {
        "session": session,
        "participant": participant,
        "participant_name": participant_name,
        "participant_role": participant_role,
    }
    try:
        trs.enrol(
            engine,
            actor=viewer.principal,
            session=session,
            participant=participant,
            name=participant_name,
            role=participant_role,
        )
    except trs.SeatRefused as exc:
        return _page(request, engine, viewer, exc.problems, values=values, status=409)
    except services.FormInvalid as exc:
        return _page(request, engine, viewer, exc.problems, values=values, status=400)
    return see_other("/training?done=enrolled#enrolments")


@router.post("/training/courses")
async def publish_course(request: Request, engine: EngineDep, viewer: ViewerDep, _: CsrfDep) -> Response:
    posted = await request.form()

    def text(name: str, limit: int = 300) -> str:
        value = posted.get(name, "")
        return value[:limit] if isinstance(value, str) else ""

    form = trs.CourseForm(
        title=text("title"),
        description=text("description", 20_000),
        format=text("format", 40),
        duration_hours=text("duration_hours", 10),
        language=text("language", 35),
        level=text("level", 40),
        topics=tuple(t for t in posted.getlist("topics") if isinstance(t, str))[:10],
        roles=text("roles", 500),
        tlp=text("tlp", 20),
        starts=text("session-starts", 10),
        ends=text("session-ends", 10),
        seats=text("session-seats", 6),
        location=text("session-location"),
    )
    try:
        trs.publish_course(engine, actor=viewer.principal, form=form)
    except services.FormInvalid as exc:
        return _page(request, engine, viewer, exc.problems, course=form, status=400)
    return see_other("/training?done=published#catalogue-title")


@router.get("/training/courses/{course_id}/edit")
def edit_page(request: Request, course_id: str, engine: EngineDep, viewer: ViewerDep) -> Response:
    return _edit(request, engine, viewer, course_id, {}, {})


@router.post("/training/courses/{course_id}/edit")
async def edit_course(
    request: Request, course_id: str, engine: EngineDep, viewer: ViewerDep, _: CsrfDep
) -> Response:
    posted = {k: v[:20_000] for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        trs.edit_course(engine, actor=viewer.principal, course_id=course_id, posted=posted)
    except services.FormInvalid as exc:
        return _edit(request, engine, viewer, course_id, exc.problems, posted, status=400)
    except Forbidden as exc:
        return _edit(request, engine, viewer, course_id, {"title": exc.message}, posted, status=403)
    return see_other("/training?done=edited#catalogue-title")


def _edit(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    course_id: str,
    errors: dict[str, str],
    posted: dict[str, str],
    *,
    status: int = 200,
) -> Response:
    found = trs.course(engine, actor=viewer.principal, course_id=course_id)
    context = {
        "item": found,
        "errors": errors,
        "posted": posted,
        "levels": trs.LEVELS,
        "editor": trs.may_edit(engine, actor=viewer.principal, course=found),
        "tlp_label": tlp_label,
    }
    return render(request, "training/edit.html", context, status=status)


@router.post("/training/enrolments/{enrolment_id}/complete")
def complete(
    request: Request, enrolment_id: str, engine: EngineDep, viewer: ViewerDep, _: CsrfDep
) -> Response:
    try:
        trs.complete(engine, actor=viewer.principal, enrolment_id=enrolment_id)
    except services.FormInvalid as exc:
        return _page(request, engine, viewer, exc.problems, status=400)
    return see_other("/training?done=completed#enrolments")


def _page(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    errors: dict[str, str],
    *,
    done: str = "",
    values: dict[str, str] | None = None,
    course: trs.CourseForm | None = None,
    status: int = 200,
) -> Response:
    found = trs.page(engine, actor=viewer.principal)
    context = {
        "page": found,
        "errors": errors,
        "done": done,
        "values": values or {},
        "writer": may_write(viewer.principal),
        "tlp_label": tlp_label,
        "org": viewer.principal.org_short,
        "course": course or trs.CourseForm(),
        "formats": trs.FORMATS,
        "levels": trs.LEVELS,
        "topics": trs.topics(),
    }
    return render(request, "training/index.html", context, status=status)
