"""The drills section: the exercises that ran in the period and that the reader takes part in (all,
for the hub), the scores it may see (its own; every participant's for the hub), the anonymised spread
of all participants' percentages, and as action items the expectations missed or met late
(``gotong.exercises.list_exercises``, ``get_scores``)."""

from __future__ import annotations

import statistics

from sqlalchemy import Engine

from gotong import exercises
from gotong.core.auth import Principal
from gotong.core.charts import bar_chart
from gotong.reports.providers._common import percent
from gotong.reports.schemas import SectionPublic, TablePublic
from gotong.scoreboard import Period
from gotong.stix.timestamps import micros_of

_ACTION = (exercises.ResultStatus.MISSED, exercises.ResultStatus.LATE)


def _ran_in(drill: exercises.ExercisePublic, period: Period) -> bool:
    if drill.started_at is None or micros_of(drill.started_at) >= period.ends_at:
        return False
    return drill.stopped_at is None or micros_of(drill.stopped_at) >= period.starts_at


def section(engine: Engine, actor: Principal, period: Period) -> SectionPublic | None:
    drills = [d for d in exercises.list_exercises(engine, actor=actor) if _ran_in(d, period)]
    if not drills:
        return None
    drill_rows, score_rows, actions, bars = [], [], [], []
    for drill in sorted(drills, key=lambda d: (d.started_at or "", d.id)):
        scores = exercises.get_scores(engine, actor=actor, exercise_id=drill.id)
        spread = scores.distribution
        median = statistics.median(spread) if spread else None
        drill_rows.append(
            [drill.name, drill.title, str(drill.status), str(len(drill.participants)), percent(median)]
        )
        for score in scores.scores:
            score_rows.append(
                [
                    drill.name,
                    score.participant,
                    f"{score.total} of {score.max_points}",
                    percent(score.percent),
                ]
            )
            bars.append((f"{drill.name}: {score.participant}", round(score.percent or 0)))
            actions += [
                [drill.name, score.participant, r.inject, r.expectation or "—", str(r.status)]
                for r in score.results
                if r.status in _ACTION
            ]
    summary = [f"{len(drills)} regional drills ran in the period."]
    if score_rows:
        summary.append(
            f"{len(actions)} expectations were missed or met late: the action items listed in the appendix."
        )
    return SectionPublic(
        key="drills",
        title="Regional drills",
        summary=summary,
        chart_svg=str(bar_chart("Drill scores (%)", "The scores you may see, in percent", bars))
        if bars
        else "",
        tables=[
            TablePublic(
                caption="Drills of the period",
                headers=["Drill", "Scenario", "Status", "Participants", "Median score"],
                rows=drill_rows,
            ),
            TablePublic(
                caption="Scores you may see",
                headers=["Drill", "Participant", "Points", "Score"],
                rows=score_rows,
            ),
            TablePublic(
                caption="Action items: expectations missed or met late",
                headers=["Drill", "Participant", "Inject", "Expectation", "Result"],
                rows=actions,
            ),
        ],
    )
