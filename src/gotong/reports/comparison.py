"""How a drill compares with earlier runs of the same scenario: per objective and per kind of
expectation, the share of the points earned in this run and in each earlier stopped run, over the
scores the reader may see (its own; every participant's for the hub), and the median of all
participants (from each run's anonymised distribution). Runs the reader took no part in are not
listed: the exercises domain does not show them to it."""

from __future__ import annotations

import statistics
from collections import defaultdict

from sqlalchemy import Engine

from gotong import exercises
from gotong.core.auth import Principal
from gotong.reports.schemas import SectionPublic, TablePublic

__all__ = ["comparison_section"]

_RUNS = 4  # the earlier runs shown, the latest first
_NONE = "no objective"


def _label(run: exercises.ExercisePublic) -> str:
    return f"{run.name} ({(run.started_at or run.created)[:10]})"


def _shares(
    run: exercises.ExercisePublic, scores: exercises.ScoresPublic
) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """(earned, maximum) per objective text and per expectation kind, over the scores given."""
    objective_of = {item.inject: item.objective for item in run.schedule}
    texts = {o.id: o.text for o in run.objectives}
    by_objective: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for score in scores.scores:
        for r in score.results:
            if r.expectation is None or r.kind is None:
                continue  # an unscored inject is never counted
            objective = objective_of.get(r.inject)
            for bucket in (by_objective[texts.get(objective or "", _NONE)], by_kind[str(r.kind)]):
                bucket[0] += r.points
                bucket[1] += r.max_points
    return (
        {k: (v[0], v[1]) for k, v in by_objective.items()},
        {k: (v[0], v[1]) for k, v in by_kind.items()},
    )


def _cell(found: tuple[int, int] | None) -> str:
    if found is None or found[1] == 0:
        return "—"
    return f"{100 * found[0] / found[1]:.0f}% ({found[0]} of {found[1]})"


def comparison_section(
    engine: Engine, *, actor: Principal, drill: exercises.ExercisePublic, scores: exercises.ScoresPublic
) -> SectionPublic:
    """The comparison section of the after-action report of ``drill`` (its ``scores`` as the actor
    sees them)."""
    mine = drill.started_at or drill.created
    earlier = sorted(
        (
            e
            for e in exercises.list_exercises(engine, actor=actor)
            if e.scenario == drill.scenario
            and e.id != drill.id
            and e.status == exercises.ExerciseStatus.STOPPED
            and (e.started_at or e.created) < mine
        ),
        key=lambda e: (e.started_at or e.created, e.id),
        reverse=True,
    )[:_RUNS]
    runs = [(drill, scores)] + [
        (e, exercises.get_scores(engine, actor=actor, exercise_id=e.id)) for e in earlier
    ]
    shares = [_shares(run, s) for run, s in runs]
    headers = ["", "This run: " + _label(drill), *(_label(e) for e in earlier)]
    objectives = [o.text for o in drill.objectives]
    extra = sorted({k for by_objective, _ in shares for k in by_objective} - set(objectives))
    kinds = sorted({k for _, by_kind in shares for k in by_kind})
    median = [
        "Median of all participants",
        *(f"{statistics.median(s.distribution):.0f}%" if s.distribution else "—" for _, s in runs),
    ]
    if not earlier:
        summary = [
            f"This is the first stopped run of {drill.title!r} that you may see: nothing to compare yet."
        ]
    else:
        summary = [
            f"Compared with {len(earlier)} earlier run(s) of the same scenario that you may see, "
            "over the scores you may see (your own; every participant's for the hub)."
        ]
    return SectionPublic(
        key="comparison",
        title="Compared with earlier runs",
        summary=summary,
        tables=[
            TablePublic(
                caption="Points earned per objective",
                headers=["Objective", *headers[1:]],
                rows=[[k, *(_cell(o.get(k)) for o, _ in shares)] for k in [*objectives, *extra]] + [median],
            ),
            TablePublic(
                caption="Points earned per kind of expectation",
                headers=["Kind", *headers[1:]],
                rows=[[k, *(_cell(by_kind.get(k)) for _, by_kind in shares)] for k in kinds],
            ),
        ],
    )
