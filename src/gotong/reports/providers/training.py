"""The compulsory-training section: each requirement's standing for the organisations whose
compliance the reader is shown (its own; every member's for the hub, unless the report is for an
audience wider than the hub), judged at the period's end over the enrolments the reader may see
(``gotong.training.compliance_for``). With no enrolment the audience may see, there is no section:
a verdict over records the audience may not receive would be either a leak or a false "overdue"."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import Engine

from gotong import training
from gotong.core.auth import Principal
from gotong.core.charts import bar_chart
from gotong.db.engine import read_connection
from gotong.orgs.service import get_org
from gotong.reports.providers._common import counts, day_after, receives_hub_view
from gotong.reports.schemas import SectionPublic, TablePublic
from gotong.scoreboard import Period


def section(engine: Engine, actor: Principal, period: Period) -> SectionPublic | None:
    if not training.list_enrolments(engine, actor=actor):
        return None
    last_day = date.fromisoformat(day_after(period)) - timedelta(days=1)
    with read_connection(engine) as conn:
        found = training.compliance_for(conn, actor=actor, on=last_day)
        own = get_org(conn, org_id=actor.org_id).short_name
    if not receives_hub_view(actor):
        found = [c for c in found if c.org == own]
    if not found:
        return None
    statuses = Counter(str(c.status) for c in found)
    met = statuses.get(str(training.ComplianceStatus.MET), 0)
    orgs = sorted({c.org for c in found})
    return SectionPublic(
        key="training",
        title="Compulsory training",
        summary=[
            f"On {last_day.isoformat()}, {met} of {len(found)} compulsory training requirements were met "
            f"({', '.join(orgs)}).",
        ],
        chart_svg=str(
            bar_chart(
                "Compulsory training by standing",
                f"Requirements of {', '.join(orgs)} on {last_day.isoformat()}",
                sorted(statuses.items()),
            )
        ),
        tables=[
            counts("Requirements by standing", "Standing", statuses),
            TablePublic(
                caption="Each requirement",
                headers=["Member", "Requirement", "Standing", "Completed", "Needed", "Due"],
                rows=[
                    [
                        c.org,
                        c.title,
                        str(c.status),
                        str(c.counted),
                        str(c.needed),
                        c.due_on.isoformat() if c.due_on else "—",
                    ]
                    for c in found
                ],
            ),
        ],
    )
