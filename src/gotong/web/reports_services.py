"""The service calls behind the report pages, each one ``gotong.reports`` verb (which decides who may
read a report: only the organisation it was generated for)."""

from __future__ import annotations

from markupsafe import Markup
from sqlalchemy import Engine

from gotong import reports
from gotong.core.auth import Principal
from gotong.errors import Invalid
from gotong.web.services import FormInvalid, signed_in


def report_list(engine: Engine, *, actor: Principal) -> list[reports.ReportSummary]:
    signed_in(actor)
    return reports.list_reports(engine, actor=actor)


def generate(engine: Engine, *, actor: Principal, period: str, tlp: str = "") -> int:
    signed_in(actor)
    try:
        return reports.generate_report(engine, actor=actor, period=period or "month", tlp=tlp or None).id
    except Invalid as exc:
        field = "tlp" if exc.message.startswith("tlp:") else "period"
        raise FormInvalid({field: exc.message}) from None


def report(engine: Engine, *, actor: Principal, report_id: int) -> tuple[reports.ReportPublic, Markup]:
    signed_in(actor)
    found = reports.get_report(engine, actor=actor, report_id=report_id)
    return found, reports.render_body(found)
