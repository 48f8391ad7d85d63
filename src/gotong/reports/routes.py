"""REST for the posture reports: each handler parses its input, calls one service verb, returns it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from gotong import reports
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.reports import ReportCreate, ReportPublic, ReportSummary, SubscriberCreate, SubscriberPublic

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], dependencies=[Depends(reject_unknown_query)])
# Beside, not under, /reports: /reports/{report_id} would claim the path.
subscribers = APIRouter(
    prefix="/api/v1/report-subscribers", tags=["reports"], dependencies=[Depends(reject_unknown_query)]
)


class Format(StrEnum):
    JSON = "json"
    HTML = "html"
    PDF = "pdf"
    CSV = "csv"


@router.get("", response_model=list[ReportSummary], responses=errors(401))
def list_reports(engine: EngineDep, actor: PrincipalDep) -> list[ReportSummary]:
    """Your organisation's reports, newest first."""
    return reports.list_reports(engine, actor=actor)


@router.post("", status_code=201, response_model=ReportPublic, responses=errors(400, 401, 403))
def generate_report(body: ReportCreate, engine: EngineDep, actor: PrincipalDep) -> ReportPublic:
    """Make the report of a period now, over what your organisation may see."""
    return reports.generate_report(engine, actor=actor, period=body.period, tlp=body.tlp)


@subscribers.get("", response_model=list[SubscriberPublic], responses=errors(401, 403))
def list_subscribers(engine: EngineDep, actor: PrincipalDep) -> list[SubscriberPublic]:
    """Who receives your organisation's scheduled reports by e-mail (coordinators, admins)."""
    return reports.subscribers_of(engine, actor=actor)


@subscribers.post("", status_code=201, response_model=SubscriberPublic, responses=errors(400, 401, 403, 409))
def subscribe(body: SubscriberCreate, engine: EngineDep, actor: PrincipalDep) -> SubscriberPublic:
    """Send your organisation's scheduled reports to one more address."""
    return reports.subscribe(engine, actor=actor, email=body.email)


@router.get(
    "/{report_id}",
    response_model=ReportPublic,
    responses={
        **errors(401, 404),
        200: {
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "text/html": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            }
        },
    },
)
def get_report(
    report_id: int,
    engine: EngineDep,
    actor: PrincipalDep,
    format: Annotated[Format, Query(description="json (default), html, pdf or csv")] = Format.JSON,
) -> Response | ReportPublic:
    """One of your organisation's reports, as JSON, a standalone HTML document, PDF or CSV."""
    report = reports.get_report(engine, actor=actor, report_id=report_id)
    name = f"gotong-report-{report.id}-{report.period_label}"
    if format == Format.HTML:
        return HTMLResponse(reports.render_html(report))
    if format == Format.PDF:
        headers = {"Content-Disposition": f'inline; filename="{name}.pdf"'}
        return Response(reports.render_pdf(report), media_type="application/pdf", headers=headers)
    if format == Format.CSV:
        headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
        return Response(reports.render_csv(report), media_type="text/csv", headers=headers)
    return report
