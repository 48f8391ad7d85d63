"""The maturity section: each member's SIM3 tier as of the period's end (and before it began), the
gaps against the regional target, over the published assessments the reader may see
(``gotong.maturity.region``, ``assessment_gaps``)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine

from gotong import maturity, scoreboard
from gotong.core.auth import Principal
from gotong.core.charts import bar_chart
from gotong.db.engine import read_connection
from gotong.orgs.service import get_org
from gotong.reports.providers._common import counts, day_after, first_day
from gotong.reports.schemas import SectionPublic, TablePublic
from gotong.scoreboard import Period

FRAMEWORK = "sim3-v1"


def _tier_units(capacity: scoreboard.Capacity) -> str:
    # Only the tier's units: a team size is the scoreboard's detail, shown only where it is published.
    if capacity.source != "maturity-tier" or capacity.units is None:
        return "—"
    return f"{capacity.units:g}"


def section(engine: Engine, actor: Principal, period: Period) -> SectionPublic | None:
    now = maturity.region(engine, actor=actor, framework=FRAMEWORK, before=day_after(period))
    if not now.members:
        return None
    framework = maturity.get_framework(FRAMEWORK)
    names = {t.id: t.name for t in framework.tiers()} | {"none": "No tier yet"}
    before = {
        m.org: m.tier
        for m in maturity.region(engine, actor=actor, framework=FRAMEWORK, before=first_day(period)).members
    }
    rows, gap_counts, changed = [], Counter[str](), 0
    with read_connection(engine) as conn:
        ids = {m.org: get_org(conn, short_name=m.org).id for m in now.members}
        units = {org: scoreboard.capacity_of(conn, i, viewer=actor) for org, i in ids.items()}
    for member in now.members:
        report = maturity.assessment_gaps(engine, actor=actor, assessment_id=member.assessment)
        for gap in report.gaps:
            gap_counts[f"{gap.parameter} {gap.name}"] += 1
        earlier = before.get(member.org, "")
        if member.org in before and earlier != member.tier:
            changed += 1
        rows.append(
            [
                member.org,
                member.assessed_on[:10],
                names[member.tier or "none"],
                "—" if member.org not in before else names[earlier or "none"],
                f"{report.met} of {report.total}",
                _tier_units(units[member.org]),
            ]
        )
    reached = sum(n for tier, n in now.tiers.items() if tier != "none")
    summary = [
        f"{len(now.members)} members' maturity assessments (SIM3) are shown; {reached} of them reach a tier.",
        f"{changed} changed tier during the period." if before else "No earlier assessment to compare with.",
    ]
    common = gap_counts.most_common(10)
    chart = bar_chart(
        "Members by maturity tier",
        f"Latest published assessments you may see, as of the end of {period.label}",
        [(names[t], n) for t, n in now.tiers.items()],
    )
    return SectionPublic(
        key="maturity",
        title="Maturity of the national teams",
        summary=summary,
        chart_svg=str(chart),
        tables=[
            TablePublic(
                caption="Tier of each member whose assessment you may see",
                headers=[
                    "Member",
                    "Assessed on",
                    "Tier",
                    "Tier before the period",
                    "Parameters at target",
                    "Capacity units",
                ],
                rows=rows,
            ),
            counts(
                "Parameters most often below the regional target (members below)",
                "Parameter",
                Counter(dict(common)),
            ),
        ],
    )
