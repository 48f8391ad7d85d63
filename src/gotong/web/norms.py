"""The norms pages: the catalogue with the reports the reader may see (and a form to file one), and
a report filled in norm by norm with one form, without JavaScript.

Each view parses the request, calls one function of :mod:`gotong.web.norms_services` and renders a
template; who may see or edit a report is the ``gotong.norms`` verbs' decision.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from gotong.core.permissions import may_write
from gotong.http.dependencies import EngineDep
from gotong.web import norms_services as nps
from gotong.web import services
from gotong.web.forms import tlp_label
from gotong.web.pages import CsrfDep, PageRoute, ViewerDep, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/norms")
def norms_page(request: Request, engine: EngineDep, viewer: ViewerDep, done: str = "") -> Response:
    return _overview(request, engine, viewer, {}, done=done)


@router.post("/norms/proposals")
async def propose(request: Request, engine: EngineDep, viewer: ViewerDep, _: CsrfDep) -> Response:
    posted = {k: v[:20_000] for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        nps.propose(engine, actor=viewer.principal, posted=posted)
    except services.FormInvalid as exc:
        return _overview(request, engine, viewer, exc.problems, values=posted, status=400)
    return see_other("/norms?done=proposed#proposals")


def _overview(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    errors: dict[str, str],
    *,
    done: str = "",
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    found = nps.overview(engine, actor=viewer.principal)
    columns = [("Member", None), ("Cycle", None)] + [(f"Norm ({n.id})", None) for n in nps.catalogue()]
    context = {
        **found,
        "summary_columns": columns,
        "errors": errors,
        "done": done,
        "values": values or {},
        "tlp_label": tlp_label,
        "writer": may_write(viewer.principal),
        "member": viewer.principal.org_short,
    }
    return render(request, "norms/list.html", context, status=status)


@router.post("/norms/reports")
def file_report(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    cycle: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        report_id = nps.file_report(engine, actor=viewer.principal, cycle=cycle)
    except services.FormInvalid as exc:
        return _overview(request, engine, viewer, exc.problems, status=400)
    return see_other(f"/norms/reports/{report_id}?done=filed")


@router.get("/norms/reports/{report_id}")
def report_page(
    request: Request, report_id: str, engine: EngineDep, viewer: ViewerDep, done: str = ""
) -> Response:
    return _report(request, engine, viewer, report_id, {}, done=done)


def _report(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    report_id: str,
    errors: dict[str, str],
    *,
    done: str = "",
    status: int = 200,
) -> Response:
    found = nps.report(engine, actor=viewer.principal, report_id=report_id)
    context = {
        "item": found,
        "norms": {n.id: n for n in nps.catalogue(engine)},
        "offered": {o.item: o for o in found.offered},
        "statuses": nps.STATUSES,
        "errors": errors,
        "done": done,
        "tlp_label": tlp_label,
        "editor": may_write(viewer.principal) and found.member == viewer.principal.org_short,
    }
    return render(request, "norms/detail.html", context, status=status)


@router.post("/norms/reports/{report_id}")
async def save_report(
    request: Request, report_id: str, engine: EngineDep, viewer: ViewerDep, _: CsrfDep
) -> Response:
    posted = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        nps.save(engine, actor=viewer.principal, report_id=report_id, posted=posted)
    except services.FormInvalid as exc:
        return _report(request, engine, viewer, report_id, exc.problems, status=400)
    return see_other(f"/norms/reports/{report_id}?done=saved")
