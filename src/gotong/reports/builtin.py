"""The report sections of the domains on main: intelligence sharing (the scoreboard), regional
alerts, incident cases, assistance requests and contact reachability. Each reads through its
domain's own verbs as the report's reader, so a section shows only what that reader may see.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import Engine

from gotong import assistance, contacts, incidents, scoreboard
from gotong.core.auth import Principal
from gotong.core.charts import bar_chart
from gotong.correlation import alerts_of
from gotong.db.engine import read_connection
from gotong.reports.schemas import SectionPublic, TablePublic
from gotong.reports.sections import ReportSection, register_section
from gotong.scoreboard import Period
from gotong.sharing.policy import FieldVisibility, field_tlp, within_ceiling
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import micros_of


def _hours(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 3600:.1f} h"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _counts(caption: str, heading: str, counter: Counter[str]) -> TablePublic:
    return TablePublic(
        caption=caption, headers=[heading, "Number"], rows=[[k, str(n)] for k, n in sorted(counter.items())]
    )


def _in(period: Period, stamp: str) -> bool:
    return period.starts_at <= micros_of(stamp) < period.ends_at


def sharing(engine: Engine, actor: Principal, period: Period) -> SectionPublic | None:
    board = scoreboard.scoreboard(engine, actor=actor, period=period.label)
    region = board.region
    if region.volume.objects == 0:
        return None
    delay = region.timeliness.first_seen_to_submission
    summary = [
        f"Members shared {region.volume.objects} pieces of intelligence; {region.contributors} members "
        "contributed under their own name.",
        f"Half of them were shared within {_hours(delay.median_seconds)} of first being seen "
        f"(nine in ten within {_hours(delay.p90_seconds)}).",
    ]
    if board.position.rank is not None:
        summary.append(
            f"Your organisation shared {board.position.own_objects}, ranking {board.position.rank} "
            f"of {board.position.contributors} contributors."
        )
    chart = bar_chart(
        "Intelligence shared by TLP",
        f"Objects shared in {period.label}, by Traffic Light Protocol level",
        list(region.volume.by_tlp.items()),
        css_prefix="tlp-",
    )
    rows = [
        [
            o.org,
            str(o.volume.objects),
            _hours(o.timeliness.first_seen_to_submission.median_seconds),
            _hours(o.timeliness.first_seen_to_submission.p90_seconds),
            _percent(o.quality.with_context),
            _percent(o.quality.decay_adjusted),
            str(o.reciprocity.consumed),
        ]
        for o in board.organisations
    ]
    return SectionPublic(
        key="sharing",
        title="Intelligence sharing",
        summary=summary,
        chart_svg=str(chart),
        tables=[
            _counts("Objects shared by type", "Type", Counter(region.volume.by_type)),
            TablePublic(
                caption="Members whose detail you may see",
                headers=[
                    "Member",
                    "Objects",
                    "Median delay",
                    "90th percentile",
                    "With context",
                    "Still fresh",
                    "Retrieved",
                ],
                rows=rows,
            ),
        ],
    )


def alerts(engine: Engine, actor: Principal, period: Period) -> SectionPublic | None:
    with read_connection(engine) as conn:
        found = [a for a in alerts_of(conn, actor=actor) if _in(period, a.raised_at)]
    if not found:
        return None
    kinds = Counter(a.kind for a in found)
    return SectionPublic(
        key="alerts",
        title="Regional alerts",
        summary=[
            f"{len(found)} regional alerts were raised: the same threat reported from two or more countries."
        ],
        chart_svg=str(
            bar_chart("Regional alerts by kind", f"Alerts raised in {period.label}", sorted(kinds.items()))
        ),
        tables=[
            _counts("Alerts by kind of value", "Kind", kinds),
            TablePublic(
                caption="Alerts raised",
                headers=["Alert", "Kind", "Countries", "Raised"],
                rows=[[str(a.id), a.kind, ", ".join(a.countries), a.raised_at] for a in found],
            ),
        ],
    )


def cases(engine: Engine, actor: Principal, period: Period) -> SectionPublic | None:
    found = [c for c in incidents.list_cases(engine, actor=actor) if _in(period, c.created)]
    if not found:
        return None
    severity = Counter(c.severity_name for c in found)
    rsit = Counter(c.rsit or "not classified" for c in found)
    sectors = Counter(s for c in found for s in (c.sectors or ["no sector given"]))
    return SectionPublic(
        key="incidents",
        title="Incidents",
        summary=[
            f"{len(found)} incident cases were opened; {sum(1 for c in found if c.critical_infrastructure)} "
            "concern critical infrastructure."
        ],
        chart_svg=str(
            bar_chart(
                "Incident cases by severity", f"Cases opened in {period.label}", sorted(severity.items())
            )
        ),
        tables=[
            _counts("Cases by incident class (RSIT)", "Class", rsit),
            _counts("Cases by severity", "Severity", severity),
            _counts("Cases by sector", "Sector", sectors),
        ],
    )


def _sent_in(request: assistance.AssistancePublic, period: Period) -> bool:
    return _in(period, request.created)


def requests(engine: Engine, actor: Principal, period: Period) -> SectionPublic | None:
    found = [r for r in assistance.list_requests(engine, actor=actor) if _sent_in(r, period)]
    if not found:
        return None
    kinds = Counter(r.kind_name for r in found)
    statuses = Counter(str(r.status) for r in found)
    return SectionPublic(
        key="assistance",
        title="Assistance between members",
        summary=[f"Members asked each other for assistance {len(found)} times."],
        chart_svg=str(
            bar_chart(
                "Assistance requests by status", f"Requests of {period.label}", sorted(statuses.items())
            )
        ),
        tables=[
            _counts("Requests by kind", "Kind", kinds),
            _counts("Requests by status", "Status", statuses),
        ],
    )


def reachability(engine: Engine, actor: Principal, period: Period) -> SectionPublic | None:
    # Every member sees every member's reachability: for an audience wider than the members, none.
    ceiling = TLP.RED if actor.tlp_ceiling is None else TLP(actor.tlp_ceiling)
    if not within_ceiling(ceiling, field_tlp(FieldVisibility.MEMBERS)):
        return None
    records = [r for r in contacts.reachability(engine, actor=actor) if r.checks]
    if not records:
        return None
    rates = [(r.org, round(100 * (r.success_rate or 0))) for r in records]
    reached = sum(1 for r in records if (r.success_rate or 0) >= 0.5)
    return SectionPublic(
        key="contacts",
        title="Contact reachability",
        summary=[
            f"{reached} of {len(records)} members checked answered at least half of their recent checks."
        ],
        chart_svg=str(
            bar_chart("Reachability checks answered (%)", "Share of recent checks answered", rates)
        ),
        tables=[
            TablePublic(
                caption="Reachability over each contact's recent checks",
                headers=["Member", "Checks", "Answered", "Last answered"],
                rows=[
                    [r.org, str(r.checks), _percent(r.success_rate), r.last_success or "—"] for r in records
                ],
            )
        ],
    )


def _register(sections: Iterable[ReportSection]) -> None:
    for section in sections:
        register_section(section)


_register(
    [
        ReportSection("sharing", "Intelligence sharing", 10, sharing),
        ReportSection("alerts", "Regional alerts", 20, alerts),
        ReportSection("incidents", "Incidents", 30, cases),
        ReportSection("assistance", "Assistance between members", 40, requests),
        ReportSection("contacts", "Contact reachability", 50, reachability),
    ]
)
