"""The taskforce section: the motions decided in the period and the measures in force that the
reader may see, with each decision's tally; each seat's vote only where the ballot was by name (of a
secret ballot the report shows the tally alone, never a vote, not even the reader's own)
(``gotong.taskforce.decisions_in_period``, ``measures_in_force``)."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine

from gotong import taskforce
from gotong.core.auth import Principal
from gotong.core.charts import bar_chart
from gotong.reports.schemas import SectionPublic, TablePublic
from gotong.scoreboard import Period


def _secret(motion: taskforce.MotionPublic) -> bool:
    return str(motion.rule.get("ballot")) != str(taskforce.Ballot.BY_NAME)


def section(engine: Engine, actor: Principal, period: Period) -> SectionPublic | None:
    decided = taskforce.decisions_in_period(engine, actor=actor, since=period.starts_at, until=period.ends_at)
    measures = taskforce.measures_in_force(engine, actor=actor)
    if not decided and not measures:
        return None
    outcomes = Counter(m.status for m in decided)
    decision_rows = []
    vote_rows = []
    for m in sorted(decided, key=lambda m: (m.closes_at, m.id)):
        tally = m.tally
        decision_rows.append(
            [
                m.kind_name,
                m.text,
                m.status,
                "—" if tally is None else f"{tally.yes} yes, {tally.no} no, {tally.abstain} abstain",
                "secret" if _secret(m) else "by name",
            ]
        )
        if not _secret(m):
            vote_rows += [[m.text, v.seat, str(v.choice) if v.choice else "—"] for v in m.votes]
    summary = [
        f"The taskforce decided {len(decided)} motions "
        f"({outcomes.get('adopted', 0)} adopted, {outcomes.get('rejected', 0)} rejected); "
        f"{len(measures)} measures are in force."
    ]
    return SectionPublic(
        key="taskforce",
        title="Taskforce decisions and measures",
        summary=summary,
        chart_svg=str(
            bar_chart(
                "Taskforce decisions by outcome",
                f"Motions decided in {period.label}",
                sorted(outcomes.items()),
            )
        )
        if decided
        else "",
        tables=[
            TablePublic(
                caption="Decisions of the period",
                headers=["Kind", "Motion", "Outcome", "Tally", "Ballot"],
                rows=decision_rows,
            ),
            TablePublic(
                caption="Votes recorded by name (secret ballots show only their tally)",
                headers=["Motion", "Seat", "Vote"],
                rows=vote_rows,
            ),
            TablePublic(
                caption="Measures in force",
                headers=["Member state", "Measure", "Status", "Deadline"],
                rows=[[x.state, x.rung_name, x.status, x.deadline[:10]] for x in measures],
            ),
        ],
    )
