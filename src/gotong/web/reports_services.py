"""The service calls behind the report pages, each one ``gotong.reports`` verb (which decides who may
read a report: only the organisation it was generated for)."""

from __future__ import annotations

from markupsafe import Markup
from sqlalchemy import Engine

from gotong import reports
from gotong.core.auth import Principal
from gotong.errors import Conflict, Forbidden, Invalid
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


def subscribers(engine: Engine, *, actor: Principal) -> list[reports.SubscriberPublic] | None:
    """The addresses the organisation's scheduled reports go to, or None when the viewer may not
    manage them (only its coordinators and administrators may; the section is then left out)."""
    signed_in(actor)
    try:
        return reports.subscribers_of(engine, actor=actor)
    except Forbidden:
        return None


def subscribe(engine: Engine, *, actor: Principal, email: str) -> None:
    signed_in(actor)
    if not email.strip():
        raise FormInvalid({"email": "Enter the e-mail address the reports are to go to"})
    try:
        reports.subscribe(engine, actor=actor, email=email)
    except (Invalid, Conflict) as exc:
        message = exc.message.removeprefix("email: ")
        raise FormInvalid({"email": message[:1].upper() + message[1:]}) from None


def unsubscribe(engine: Engine, *, actor: Principal, subscriber_id: int) -> None:
    signed_in(actor)
    reports.unsubscribe(engine, actor=actor, subscriber_id=subscriber_id)
