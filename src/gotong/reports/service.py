"""The posture report's verbs: generate one (as the asking organisation sees the period), list and
read one's own reports, render them, manage who receives them by e-mail, and the scheduled run.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.engine import Row

from gotong.audit import record
from gotong.core.auth import Principal, Role
from gotong.core.mail import send_mail
from gotong.core.permissions import require_member, require_writer
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Conflict, Invalid, NotFound
from gotong.orgs.service import get_org, list_orgs
from gotong.reports import policy
from gotong.reports.models import report_subscribers, reports
from gotong.reports.render import render_pdf
from gotong.reports.schemas import ReportPublic, ReportSummary, SectionPublic, SubscriberPublic
from gotong.reports.sections import registered_sections
from gotong.scoreboard import Period, parse_period, previous_period
from gotong.settings import Settings
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import format_micros, now_micros

__all__ = [
    "REPORT_TLPS",
    "SCHEDULED_KINDS",
    "generate_report",
    "get_report",
    "list_reports",
    "run_scheduled",
    "subscribe",
    "subscribers_of",
    "unsubscribe",
]

SCHEDULED_KINDS = ("month", "quarter")
# A report may be made for these audiences; TLP:RED is for named people, not a report's readers.
REPORT_TLPS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)
_log = logging.getLogger(__name__)


def _marking(tlp: str | None) -> TLP | None:
    if tlp is None or not tlp.strip():
        return None
    try:
        level = TLP.parse(tlp)
    except Invalid as exc:
        raise Invalid(f"tlp: {exc.message}") from None
    if level not in REPORT_TLPS:
        allowed = ", ".join(t.slug for t in REPORT_TLPS)
        raise Invalid(f"tlp: a report is made for {allowed} (or empty: your organisation), not {level.slug}")
    return level


def _sections(engine: Engine, actor: Principal, period: Period) -> list[SectionPublic]:
    built = []
    for section in registered_sections():
        content = section.build(engine, actor, period)
        if content is not None:
            built.append(content)
    return built


def generate_report(
    engine: Engine,
    *,
    actor: Principal,
    period: str = "month",
    tlp: str | None = None,
    now: int | None = None,
) -> ReportPublic:
    """Compute the report for ``period`` over what the actor's organisation may see, and store it as
    that organisation's (only its members read it). With ``tlp`` (clear, green, amber, amber+strict)
    it is made for that wider audience: every section reads as a reader whose sharing policy hides
    whatever is marked above it. A readonly token may read reports, not make them."""
    require_writer(actor)
    marking = _marking(tlp)
    chosen = parse_period(period, now=now or now_micros())
    return _generate(engine, actor, chosen, marking)


def _generate(engine: Engine, actor: Principal, period: Period, marking: TLP | None = None) -> ReportPublic:
    # The sections read as the audience: the ceiling rides on the principal into every domain's
    # load_reader, so the sharing policy itself leaves out what is marked above it.
    audience = actor if marking is None else replace(actor, tlp_ceiling=int(marking))
    sections = _sections(engine, audience, period)
    summary = [line for s in sections for line in s.summary[:2]]
    content = {
        "summary": summary,
        "sections": [s.model_dump() for s in sections],
        "tlp": None if marking is None else marking.label,
    }
    with write_transaction(engine) as conn:
        org = get_org(conn, org_id=actor.org_id)
        report_id = conn.execute(
            insert(reports)
            .values(
                org_id=org.id,
                period_kind=period.kind,
                period_label=period.label,
                starts_at=period.starts_at,
                ends_at=period.ends_at,
                generated_at=now_micros(),
                generated_by=actor.org_short or org.short_name,
                content=orjson.dumps(content).decode(),
            )
            .returning(reports.c.id)
        ).scalar_one()
        record(
            conn,
            action="report.generate",
            actor=f"org:{org.id}",
            actor_org_id=org.id,
            subject=str(report_id),
            details={
                "period": period.label,
                "tlp": content["tlp"],
                "sections": [s.key for s in sections],
            },
        )
        return _public(conn, _row(conn, report_id))


def _row(conn: Connection, report_id: int) -> Row[Any]:
    row = conn.execute(select(reports).where(reports.c.id == report_id)).first()
    if row is None:
        raise NotFound(f"no report {report_id} of yours")
    return row


def _summary(conn: Connection, row: Row[Any]) -> ReportSummary:
    r = row
    return ReportSummary(
        id=r.id,
        org=get_org(conn, org_id=r.org_id).short_name,
        period_kind=r.period_kind,
        period_label=r.period_label,
        starts=format_micros(r.starts_at),
        ends=format_micros(r.ends_at),
        generated_at=format_micros(r.generated_at),
        generated_by=r.generated_by,
    )


def _public(conn: Connection, row: Row[Any]) -> ReportPublic:
    content = orjson.loads(row.content)
    return ReportPublic(
        **_summary(conn, row).model_dump(),
        tlp=content.get("tlp"),
        summary=content["summary"],
        sections=[SectionPublic(**s) for s in content["sections"]],
    )


def list_reports(engine: Engine, *, actor: Principal) -> list[ReportSummary]:
    """The actor's organisation's reports, newest first."""
    require_member(actor)
    with read_connection(engine) as conn:
        rows = conn.execute(
            select(reports).where(reports.c.org_id == actor.org_id).order_by(reports.c.id.desc())
        ).all()
        return [_summary(conn, r) for r in rows]


def get_report(engine: Engine, *, actor: Principal, report_id: int) -> ReportPublic:
    """One of the actor's organisation's reports (another organisation's is not found)."""
    require_member(actor)
    with read_connection(engine) as conn:
        row = conn.execute(select(reports).where(reports.c.id == report_id)).first()
        if row is None:
            raise NotFound(f"no report {report_id} of yours")
        policy.require_reader(actor, row.org_id, report_id)
        return _public(conn, row)


def subscribe(engine: Engine, *, actor: Principal, email: str) -> SubscriberPublic:
    """Send the organisation's scheduled reports to ``email`` too (managers only)."""
    policy.may_manage_subscribers(actor)
    address = email.strip()
    if "@" not in address or " " in address:
        raise Invalid(f"email: {email!r} is not an e-mail address")
    with write_transaction(engine) as conn:
        org = get_org(conn, org_id=actor.org_id)
        exists = conn.execute(
            select(report_subscribers.c.id).where(
                report_subscribers.c.org_id == org.id, report_subscribers.c.email == address
            )
        ).first()
        if exists:
            raise Conflict(f"{address} already receives {org.short_name}'s reports")
        sub_id = conn.execute(
            insert(report_subscribers)
            .values(org_id=org.id, email=address, created_at=now_micros())
            .returning(report_subscribers.c.id)
        ).scalar_one()
        record(conn, action="report.subscribe", actor=f"org:{org.id}", actor_org_id=org.id, subject=address)
        return SubscriberPublic(id=sub_id, org=org.short_name, email=address)


def unsubscribe(engine: Engine, *, actor: Principal, subscriber_id: int) -> None:
    policy.may_manage_subscribers(actor)
    with write_transaction(engine) as conn:
        gone = conn.execute(
            delete(report_subscribers).where(
                report_subscribers.c.id == subscriber_id, report_subscribers.c.org_id == actor.org_id
            )
        ).rowcount
        if not gone:
            raise NotFound(f"no subscriber {subscriber_id} of yours")


def subscribers_of(engine: Engine, *, actor: Principal) -> list[SubscriberPublic]:
    policy.may_manage_subscribers(actor)
    with read_connection(engine) as conn:
        org = get_org(conn, org_id=actor.org_id)
        rows = conn.execute(select(report_subscribers).where(report_subscribers.c.org_id == org.id)).all()
    return [SubscriberPublic(id=r.id, org=org.short_name, email=r.email) for r in rows]


def run_scheduled(engine: Engine, settings: Settings, *, now: int | None = None) -> list[ReportSummary]:
    """For every organisation with subscribers, the last whole month's and quarter's report, once,
    generated over that organisation's view and mailed to its subscribers."""
    at = now or now_micros()
    made: list[ReportSummary] = []
    with read_connection(engine) as conn:
        orgs = {o.id: o for o in list_orgs(conn)}
        wanted = sorted(set(conn.execute(select(report_subscribers.c.org_id)).scalars()))
    for org_id in wanted:
        org = orgs[org_id]
        for kind in SCHEDULED_KINDS:
            period = previous_period(kind, now=at)
            with read_connection(engine) as conn:
                done = conn.execute(
                    select(reports.c.id).where(
                        reports.c.org_id == org.id,
                        reports.c.period_kind == period.kind,
                        reports.c.period_label == period.label,
                        reports.c.generated_by == "schedule",
                    )
                ).first()
            if done:
                continue
            # As a reader of the organisation: the report holds only what its members may see.
            reader = Principal(org_id=org.id, org_short="schedule", role=Role.READONLY)
            report = _generate(engine, reader, period)
            made.append(report)
            _deliver(engine, settings, org_id, report)
    return made


def _deliver(engine: Engine, settings: Settings, org_id: int, report: ReportPublic) -> None:
    if not settings.smtp_host:
        _log.info("report %s not mailed: no SMTP server is configured (GOTONG_SMTP_HOST)", report.id)
        return
    with read_connection(engine) as conn:
        addresses = list(
            conn.execute(
                select(report_subscribers.c.email).where(report_subscribers.c.org_id == org_id)
            ).scalars()
        )
    pdf = render_pdf(report)
    lines = "\n".join(f"- {line}" for line in report.summary) or "- Nothing to report in this period."
    text = (
        f"The regional posture report for {report.period_label}, as {report.org} may see it.\n\n"
        f"{lines}\n\nThe full report is attached as PDF.\n"
    )
    attachment = (f"gotong-report-{report.period_label}.pdf", "application/pdf", pdf)
    for address in addresses:
        send_mail(
            settings,
            to=[address],
            subject=f"Gotong regional posture report {report.period_label} ({report.org})",
            text=text,
            attachments=[attachment],
        )
