"""The after-action report of a finished drill: what was planned (objectives, injects), what each
participant the reader may see did (every expectation's result, the missed and late ones as action
items), the appeals and their outcomes, and where the reader stands among all participants (the
anonymised spread). Built only from the exercises domain's public verbs as the reader, so it holds
what the reader may see of the drill and nothing else; computed on request, never stored.
"""

from __future__ import annotations

import statistics
from collections import Counter

from pydantic import BaseModel, Field
from sqlalchemy import Engine

from gotong import exercises
from gotong.core.auth import Principal
from gotong.core.charts import bar_chart
from gotong.errors import Conflict
from gotong.reports.comparison import comparison_section
from gotong.reports.schemas import SectionPublic, TablePublic

__all__ = ["AfterActionPublic", "after_action_report"]

_ACTION = (exercises.ResultStatus.MISSED, exercises.ResultStatus.LATE)


class AfterActionPublic(BaseModel):
    exercise: str
    name: str
    title: str
    narrative: str
    started_at: str | None
    stopped_at: str | None
    participants: list[str]
    tlp: str = Field(description="the drill's own marking: pass the report on no wider than it")
    summary: list[str]
    sections: list[SectionPublic]
    actions: list[exercises.ActionItemPublic] = Field(
        description="the action items tracked to closure that you may see (your own; all for the hub)"
    )


def _spread(values: list[float]) -> list[tuple[str, int]]:
    """The participants' percentages in bands of 20 (no names)."""
    bands = Counter(min(4, int(v // 20)) for v in values)
    return [(f"{20 * b} to {20 * b + 20}%", bands.get(b, 0)) for b in range(5)]


def after_action_report(engine: Engine, *, actor: Principal, exercise_id: str) -> AfterActionPublic:
    """The after-action report of a stopped drill, as the actor may see it (its own results; every
    participant's for the hub). A drill still planned, running or paused has none yet (Conflict)."""
    drill = exercises.get_exercise(engine, actor=actor, exercise_id=exercise_id)
    if drill.status != exercises.ExerciseStatus.STOPPED:
        raise Conflict(
            f"the drill {drill.name!r} is {drill.status}: its after-action report comes once it is stopped"
        )
    scores = exercises.get_scores(engine, actor=actor, exercise_id=exercise_id)
    injects = exercises.list_injects(engine, actor=actor, exercise_id=exercise_id)
    appeals = exercises.list_appeals(engine, actor=actor, exercise_id=exercise_id)
    tracked = exercises.list_action_items(engine, actor=actor, exercise_id=exercise_id)
    still_open = [a for a in tracked if a.status == exercises.ActionStatus.OPEN]
    overdue = [a for a in still_open if a.overdue]
    spread = scores.distribution
    results = [(s.participant, r) for s in scores.scores for r in s.results]
    actions = [(p, r) for p, r in results if r.status in _ACTION]
    summary = [
        f"{len(drill.participants)} participants took part in {drill.name!r} ({drill.title}).",
    ]
    if spread:
        summary.append(
            f"Half of them scored {statistics.median(spread):.0f}% or more (the median of all scores)."
        )
    for s in scores.scores:
        summary.append(
            f"{s.participant} scored {s.total} of {s.max_points} points"
            + ("" if s.percent is None else f" ({s.percent:.0f}%)")
            + "."
        )
    summary.append(f"{len(actions)} expectations were missed or met late.")
    summary.append(
        f"{len(tracked)} action items are tracked: {len(still_open)} open ({len(overdue)} overdue), "
        f"{len(tracked) - len(still_open)} closed."
    )
    statuses = Counter(str(r.status) for _, r in results)
    sections = [
        SectionPublic(
            key="objectives",
            title="What the drill set out to test",
            summary=[drill.narrative] if drill.narrative else [],
            tables=[
                TablePublic(
                    caption="Objectives",
                    headers=["Objective", "Text"],
                    rows=[[o.id, o.text] for o in drill.objectives],
                ),
                TablePublic(
                    caption="Injects delivered",
                    headers=["Inject", "Participant", "Channel", "Delivered", "Acknowledged"],
                    rows=[
                        [i.title, i.participant, str(i.channel), i.delivered_at, i.acknowledged_at or "—"]
                        for i in sorted(injects, key=lambda i: (i.delivered_at, i.participant))
                    ],
                ),
            ],
        ),
        SectionPublic(
            key="results",
            title="Results",
            summary=[f"{n} expectations {s}." for s, n in sorted(statuses.items())],
            chart_svg=str(
                bar_chart("Expectations by result", "Every expectation you may see", sorted(statuses.items()))
            )
            if statuses
            else "",
            tables=[
                TablePublic(
                    caption="Every expectation",
                    headers=["Participant", "Inject", "Expectation", "Result", "Points", "Observed"],
                    rows=[
                        [
                            p,
                            r.inject,
                            r.expectation or "—",
                            str(r.status),
                            f"{r.points} of {r.max_points}",
                            r.observed_at or "—",
                        ]
                        for p, r in results
                    ],
                )
            ],
        ),
        SectionPublic(
            key="actions",
            title="Action items",
            summary=[
                f"{len(still_open)} open, {len(overdue)} of them overdue; "
                f"{len(tracked) - len(still_open)} closed with evidence.",
                *[f"Overdue: {a.participant}: {a.action} (due {a.due}, {a.owner})." for a in overdue][:10],
                *[f"{p}: {r.expectation or r.inject} was {r.status}." for p, r in actions][:10],
            ],
            tables=[
                TablePublic(
                    caption="Action items tracked to closure",
                    headers=[
                        "Action",
                        "Participant",
                        "Owner",
                        "Due",
                        "Status",
                        "Capacity plan item",
                        "Evidence",
                    ],
                    rows=[
                        [
                            a.action,
                            a.participant,
                            a.owner,
                            a.due,
                            f"{a.status} (overdue)" if a.overdue else str(a.status),
                            _capacity(a.capacity),
                            a.evidence or "—",
                        ]
                        for a in tracked
                    ],
                ),
                TablePublic(
                    caption="Expectations missed or met late",
                    headers=["Participant", "Inject", "Expectation", "Result", "Deadline", "Observed"],
                    rows=[
                        [
                            p,
                            r.inject,
                            r.expectation or "—",
                            str(r.status),
                            r.deadline or "—",
                            r.observed_at or "—",
                        ]
                        for p, r in actions
                    ],
                ),
                TablePublic(
                    caption="Appeals",
                    headers=["Participant", "Expectation", "Outcome", "Decision"],
                    rows=[[a.participant, a.expectation, str(a.outcome), a.decision or "—"] for a in appeals],
                ),
            ],
        ),
        comparison_section(engine, actor=actor, drill=drill, scores=scores),
        SectionPublic(
            key="spread",
            title="Where the participants stand",
            summary=["Every participant's score, in bands, without names."],
            chart_svg=str(
                bar_chart("Scores of all participants", "Participants per band of score", _spread(spread))
            )
            if spread
            else "",
            tables=[],
        ),
    ]
    return AfterActionPublic(
        exercise=drill.id,
        name=drill.name,
        title=drill.title,
        narrative=drill.narrative,
        started_at=drill.started_at,
        stopped_at=drill.stopped_at,
        participants=drill.participants,
        tlp=drill.tlp,
        summary=summary,
        sections=sections,
        actions=tracked,
    )


def _capacity(link: exercises.CapacityLink | None) -> str:
    if link is None:
        return "—"
    if link.status is None:
        return f"item {link.item} of {link.plan}"
    return f"item {link.item}: {link.action} ({link.status})"
