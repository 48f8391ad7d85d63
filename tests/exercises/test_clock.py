"""The drill clock with a clock the test controls: injects go at their offsets, a pause holds them and
moves the later ones by its length, a manual expectation waits for the evaluator, an inject without
expectations is unscored (never a success), and a stopped exercise sends nothing more."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from gotong import exercises
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Conflict, Forbidden, Invalid
from gotong.exercises import EvaluationCreate, ExerciseCreate, ResultStatus
from gotong.orgs.service import operator_for
from gotong.settings import Settings
from gotong.stix.timestamps import micros_of

MINUTE = 60_000_000
T0 = 1_800_000_000_000_000  # fixed: nothing here depends on the wall clock


def _actors(engine: Engine) -> tuple[Principal, Principal]:
    with read_connection(engine) as conn:
        return operator_for(conn, org="ASEAN-CERT"), operator_for(conn, org="ThaiCERT")


def _delivered(engine: Engine, hub: Principal, exercise_id: str) -> list[str]:
    return sorted(i.inject for i in exercises.list_injects(engine, actor=hub, exercise_id=exercise_id))


def _evaluation(expectation: str, points: int) -> EvaluationCreate:
    return EvaluationCreate(participant="ThaiCERT", inject="spread", expectation=expectation, points=points)


def test_injects_go_at_their_offsets_and_a_pause_moves_them(engine: Engine) -> None:
    hub, thai = _actors(engine)
    body = ExerciseCreate(scenario="acid-ransomware", name="clock", participants=["ThaiCERT"])
    ex = exercises.create_exercise(engine, actor=hub, exercise=body, now=T0).id
    with pytest.raises(Forbidden, match="only the hub"):
        exercises.start_exercise(engine, actor=thai, exercise_id=ex, now=T0)
    assert exercises.tick(engine, settings=None, now=T0 + 999 * MINUTE) == 0  # not started: nothing goes
    exercises.start_exercise(engine, actor=hub, exercise_id=ex, now=T0)
    assert exercises.tick(engine, settings=None, now=T0 + 59 * MINUTE) == 1
    assert _delivered(engine, hub, ex) == ["first-report"]
    exercises.pause_exercise(engine, actor=hub, exercise_id=ex, now=T0 + 59 * MINUTE)
    assert exercises.tick(engine, settings=None, now=T0 + 200 * MINUTE) == 0  # paused: the clock stands
    exercises.start_exercise(engine, actor=hub, exercise_id=ex, now=T0 + 159 * MINUTE)  # a 100-minute pause
    assert exercises.tick(engine, settings=None, now=T0 + 159 * MINUTE) == 0  # 59 minutes of drill time
    assert exercises.tick(engine, settings=None, now=T0 + 160 * MINUTE) == 1
    assert _delivered(engine, hub, ex) == ["first-report", "loader-domain"]
    schedule = {s.inject: s for s in exercises.get_exercise(engine, actor=hub, exercise_id=ex).schedule}
    due = schedule["spread"].due_at
    assert (
        due is not None
        and due == exercises.get_exercise(engine, actor=hub, exercise_id=ex).schedule[2].due_at
    )

    assert micros_of(due) == T0 + (180 + 100) * MINUTE  # its offset plus the pause

    exercises.tick(engine, settings=None, now=T0 + 460 * MINUTE)  # spread and wrap-up go
    exercises.stop_exercise(engine, actor=hub, exercise_id=ex, now=T0 + 470 * MINUTE)
    assert exercises.tick(engine, settings=None, now=T0 + 9999 * MINUTE) == 0
    with pytest.raises(Conflict):
        exercises.start_exercise(engine, actor=hub, exercise_id=ex, now=T0 + 471 * MINUTE)

    (score,) = exercises.get_scores(engine, actor=hub, exercise_id=ex).scores
    lines = {(r.inject, r.expectation): r for r in score.results}
    assert lines[("spread", "situation")].status == ResultStatus.AWAITING_EVALUATION
    assert (
        lines[("wrap-up", None)].status == ResultStatus.UNSCORED and lines[("wrap-up", None)].max_points == 0
    )
    assert (score.total, score.max_points, score.unscored) == (0, 55, 1)
    assert {r.status for r in score.results} == {"missed", "awaiting-evaluation", "unscored"}

    with pytest.raises(Invalid, match="at most 20"):
        exercises.evaluate(engine, actor=hub, exercise_id=ex, evaluation=_evaluation("situation", 21))
    with pytest.raises(Invalid, match="observed by the platform"):
        exercises.evaluate(engine, actor=hub, exercise_id=ex, evaluation=_evaluation("ack", 5))
    scored = exercises.evaluate(engine, actor=hub, exercise_id=ex, evaluation=_evaluation("situation", 14))
    (line,) = [r for r in scored.results if r.expectation == "situation"]
    assert (line.status, line.points, scored.total) == (ResultStatus.EVALUATED, 14, 14)
    assert exercises.get_scores(engine, actor=thai, exercise_id=ex).distribution == [round(1400 / 55, 1)]


def test_only_the_hubs_own_node_runs_the_drill_clock(engine: Engine) -> None:
    """A participant's national node holds copies of the hub's drills (by federation) and never sends
    their injects itself; the hub's node (or a node that names no organisation) does."""
    hub, _thai = _actors(engine)
    body = ExerciseCreate(scenario="acid-ransomware", name="national", participants=["ThaiCERT"])
    ex = exercises.create_exercise(engine, actor=hub, exercise=body, now=T0).id
    exercises.start_exercise(engine, actor=hub, exercise_id=ex, now=T0)
    national = Settings(node_org="ThaiCERT")
    assert exercises.tick(engine, settings=national, now=T0 + MINUTE) == 0
    assert _delivered(engine, hub, ex) == []
    assert exercises.tick(engine, settings=Settings(node_org="ASEAN-CERT"), now=T0 + MINUTE) == 1
    assert _delivered(engine, hub, ex) == ["first-report"]
