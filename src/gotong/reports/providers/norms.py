"""The norms section: per member, how many implementation items of the norms it reports in each
status in the reporting cycle(s) the period falls in, from its report where the reader sees it, else
from its published TLP:CLEAR summary (``gotong.norms.implementation_status``)."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import Engine

from gotong import norms
from gotong.core.auth import Principal
from gotong.core.charts import bar_chart
from gotong.reports.schemas import SectionPublic, TablePublic
from gotong.scoreboard import Period

_ORDER = [
    norms.ItemStatus.IMPLEMENTED,
    norms.ItemStatus.IN_PROGRESS,
    norms.ItemStatus.NOT_STARTED,
    norms.ItemStatus.NOT_APPLICABLE,
]


def section(engine: Engine, actor: Principal, period: Period) -> SectionPublic | None:
    cycles = sorted({norms.cycle_of(period.starts_at), norms.cycle_of(period.ends_at - 1)})
    found = [s for c in cycles for s in norms.implementation_status(engine, actor=actor, cycle=c)]
    if not found:
        return None
    totals: Counter[str] = Counter()
    per_member: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for status in found:
        for item_status, n in status.counts.items():
            totals[str(item_status)] += n
            per_member[(status.cycle, status.member, status.source)][str(item_status)] += n
    items = sum(totals.values())
    implemented = totals.get(str(norms.ItemStatus.IMPLEMENTED), 0)
    members = sorted({m for _, m, _ in per_member})
    return SectionPublic(
        key="norms",
        title="Implementation of the norms",
        summary=[
            f"{len(members)} members reported on the norms for {', '.join(cycles)}: "
            f"{implemented} of {items} implementation items are implemented.",
        ],
        chart_svg=str(
            bar_chart(
                "Norms implementation items by status",
                f"Items reported for {', '.join(cycles)}, from the reports and summaries you may see",
                [(str(s), totals.get(str(s), 0)) for s in _ORDER],
            )
        ),
        tables=[
            TablePublic(
                caption="Items per member and status (source: the report, or its public summary)",
                headers=["Cycle", "Member", "Source", *[str(s) for s in _ORDER]],
                rows=[
                    [cycle, member, source, *[str(c.get(str(s), 0)) for s in _ORDER]]
                    for (cycle, member, source), c in sorted(per_member.items())
                ],
            )
        ],
    )
