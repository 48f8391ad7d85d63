"""The report pages: the list with a form to make one now, a report, and its PDF, CSV and JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from gotong import reports
from gotong.core.permissions import may_write
from gotong.http.dependencies import EngineDep
from gotong.web import reports_services as rs
from gotong.web import services
from gotong.web.pages import CsrfDep, PageRoute, ViewerDep, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/reports")
def report_list(
    request: Request, engine: EngineDep, viewer: ViewerDep, done: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    return _list(request, engine, viewer, "month", "", {}, done=done)


def _list(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    period: str,
    tlp: str,
    errors: dict[str, str],
    status: int = 200,
    email: str = "",
    done: str = "",
) -> Response:
    found = rs.report_list(engine, actor=viewer.principal)
    context = {
        "reports": found,
        "subscribers": rs.subscribers(engine, actor=viewer.principal),
        "email": email,
        "done": done,
        "period": period,
        "tlp": tlp,
        "errors": errors,
        "may_write": may_write(viewer.principal),
    }
    return render(request, "reports/list.html", context, status=status)


@router.post("/reports")
def generate(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    period: Annotated[str, Form(max_length=40)] = "month",
    tlp: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        report_id = rs.generate(engine, actor=viewer.principal, period=period, tlp=tlp)
    except services.FormInvalid as exc:
        return _list(request, engine, viewer, period, tlp, exc.problems, status=400)
    return see_other(f"/reports/{report_id}")


@router.post("/reports/subscribers")
def subscribe(
    request: Request,
    engine: EngineDep,
    viewer: ViewerDep,
    _: CsrfDep,
    email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    try:
        rs.subscribe(engine, actor=viewer.principal, email=email)
    except services.FormInvalid as exc:
        return _list(request, engine, viewer, "month", "", exc.problems, status=400, email=email)
    return see_other("/reports?done=subscribed#subscribers")


@router.post("/reports/subscribers/{subscriber_id}/remove")
def unsubscribe(subscriber_id: int, engine: EngineDep, viewer: ViewerDep, _: CsrfDep) -> Response:
    rs.unsubscribe(engine, actor=viewer.principal, subscriber_id=subscriber_id)
    return see_other("/reports?done=unsubscribed#subscribers")


@router.get("/reports/{report_id}")
def report_page(request: Request, report_id: int, engine: EngineDep, viewer: ViewerDep) -> Response:
    found, body = rs.report(engine, actor=viewer.principal, report_id=report_id)
    return render(request, "reports/detail.html", {"report": found, "body": body})


@router.get("/reports/{report_id}/export")
def export(
    report_id: int,
    engine: EngineDep,
    viewer: ViewerDep,
    format: Annotated[str, Query(pattern="^(pdf|html|csv|json)$")] = "pdf",
) -> Response:
    found, _ = rs.report(engine, actor=viewer.principal, report_id=report_id)
    name = f"gotong-report-{found.id}-{found.period_label}"
    if format == "csv":
        headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
        return Response(reports.render_csv(found), media_type="text/csv", headers=headers)
    if format == "html":
        return HTMLResponse(reports.render_html(found))
    if format == "json":
        return JSONResponse(found.model_dump())
    headers = {"Content-Disposition": f'inline; filename="{name}.pdf"'}
    return Response(reports.render_pdf(found), media_type="application/pdf", headers=headers)
