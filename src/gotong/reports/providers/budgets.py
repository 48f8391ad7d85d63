"""The budgets section: each member's standing against the mandate in force for the year(s) of the
period, exactly where the reader sees the member's report, else only as the bands the member
published (``gotong.budgets.compliance``)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine

from gotong import budgets
from gotong.core.auth import Principal
from gotong.core.charts import bar_chart
from gotong.reports.schemas import SectionPublic, TablePublic
from gotong.scoreboard import Period
from gotong.stix.timestamps import format_micros


def section(engine: Engine, actor: Principal, period: Period) -> SectionPublic | None:
    years = sorted({int(format_micros(period.starts_at)[:4]), int(format_micros(period.ends_at - 1)[:4])})
    found = [c for y in years for c in budgets.compliance(engine, actor=actor, year=y)]
    if not found:
        return None
    standing = Counter(str(c.status) if c.status is not None else "published bands only" for c in found)
    review = [c.member for c in found if c.subject_for_review]
    summary = [
        f"{len(found)} budgets against the mandate are shown for {', '.join(map(str, years))}: "
        + ", ".join(f"{n} {s}" for s, n in sorted(standing.items()))
        + "."
    ]
    if review:
        summary.append(f"Subject to review for years below the mandate: {', '.join(sorted(set(review)))}.")
    return SectionPublic(
        key="budgets",
        title="Budgets against the mandate",
        summary=summary,
        chart_svg=str(
            bar_chart(
                "Budgets by standing",
                f"Members' budgets for {', '.join(map(str, years))}",
                sorted(standing.items()),
            )
        ),
        tables=[
            TablePublic(
                caption="Each member's standing (exact where you see its report, else its published bands)",
                headers=["Member", "Year", "Standing", "Share of the minimum", "Total", "Subject to review"],
                rows=[
                    [
                        c.member,
                        str(c.year),
                        str(c.status) if c.status is not None else "—",
                        c.share_band,
                        c.total_band or "—",
                        {True: "yes", False: "no", None: "—"}[c.subject_for_review],
                    ]
                    for c in found
                ],
            )
        ],
    )
