"""The demo shows one finished communication check with its scores, made once."""

from __future__ import annotations

from sqlalchemy import Engine

from gotong import exercises
from gotong.db.engine import read_connection
from gotong.demo import DEMO_EXERCISE, load_demo
from gotong.orgs.service import operator_for


def test_the_demo_has_one_finished_and_scored_communication_check(engine: Engine) -> None:
    first = load_demo(engine)
    again = load_demo(engine)
    assert "demo exercise: 1 communication check" in first and "demo exercise" not in again
    with read_connection(engine) as conn:
        hub, thai = operator_for(conn, org="ASEAN-CERT"), operator_for(conn, org="ThaiCERT")
    (found,) = exercises.list_exercises(engine, actor=hub)
    assert found.name == DEMO_EXERCISE and found.status == exercises.ExerciseStatus.STOPPED
    scores = exercises.get_scores(engine, actor=hub, exercise_id=found.id)
    by = {s.participant: (s.total, s.max_points, s.results[0].status) for s in scores.scores}
    assert by == {
        "ThaiCERT": (10, 10, exercises.ResultStatus.MET),
        "VNCERT": (0, 10, exercises.ResultStatus.LATE),
        "MyCERT": (0, 10, exercises.ResultStatus.MISSED),
    }
    assert scores.distribution == [0.0, 0.0, 100.0]
    own = exercises.get_scores(engine, actor=thai, exercise_id=found.id)
    assert [s.participant for s in own.scores] == ["ThaiCERT"]
