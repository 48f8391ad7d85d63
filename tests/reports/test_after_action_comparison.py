"""The after-action report compares a drill with earlier stopped runs of the same scenario, per
objective and per kind of expectation, over the scores the reader may see: a participant its own, the
hub every participant's; a run the reader took no part in is neither shown nor counted; a run of
another scenario is not compared."""

from __future__ import annotations

from sqlalchemy import Engine

from gotong import exercises, reports
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.orgs.service import operator_for
from gotong.reports.schemas import TablePublic
from gotong.stix.timestamps import now_micros

MINUTE = 60_000_000


def _org(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return operator_for(conn, org=org)


def _run(
    engine: Engine, scenario: str, name: str, participants: list[str], t0: int, marks: dict[str, int]
) -> str:
    """A run started at ``t0``, every inject delivered, the first inject's manual answer of each
    participant in ``marks`` given those points, then stopped."""
    hub = _org(engine, "ASEAN-CERT")
    body = exercises.ExerciseCreate(scenario=scenario, name=name, participants=participants)
    drill = exercises.create_exercise(engine, actor=hub, exercise=body, now=t0).id
    exercises.start_exercise(engine, actor=hub, exercise_id=drill, now=t0)
    exercises.tick(engine, settings=None, now=t0 + 331 * MINUTE)
    for org, points in marks.items():
        evaluation = exercises.EvaluationCreate(
            participant=org, inject="first-hour", expectation="assessment", points=points
        )
        exercises.evaluate(engine, actor=hub, exercise_id=drill, evaluation=evaluation, now=t0 + 332 * MINUTE)
    exercises.stop_exercise(engine, actor=hub, exercise_id=drill, now=t0 + 333 * MINUTE)
    return drill


def _tables(engine: Engine, org: str, drill: str) -> tuple[list[str], TablePublic, TablePublic]:
    report = reports.after_action_report(engine, actor=_org(engine, org), exercise_id=drill)
    section = next(s for s in report.sections if s.key == "comparison")
    by_objective, by_kind = section.tables
    return section.summary, by_objective, by_kind


def _row(table: TablePublic, label: str) -> list[str]:
    return next(r for r in table.rows if r[0] == label)[1:]


def test_a_run_is_compared_with_the_earlier_runs_its_reader_may_see(engine: Engine) -> None:
    now = now_micros()
    first = _run(
        engine,
        "regional-crisis-tabletop",
        "Crisis 2025",
        ["ThaiCERT", "VNCERT"],
        now - 2000 * MINUTE,
        {"ThaiCERT": 10},
    )
    _run(engine, "acid-ransomware", "Other scenario", ["ThaiCERT"], now - 1500 * MINUTE, {})
    second = _run(
        engine,
        "regional-crisis-tabletop",
        "Crisis 2026",
        ["ThaiCERT", "VNCERT", "MyCERT"],
        now - 1000 * MINUTE,
        {"ThaiCERT": 20, "VNCERT": 5, "MyCERT": 15},
    )
    assess = "Form a first assessment of what is hit at home and how badly, quickly and without guessing."

    # ThaiCERT: its own scores of this run and of the earlier run of the same scenario only.
    summary, by_objective, by_kind = _tables(engine, "ThaiCERT", second)
    assert len(by_objective.headers) == 3 and by_objective.headers[0] == "Objective"
    assert by_objective.headers[1].startswith("This run: Crisis 2026 (")
    assert by_objective.headers[2].startswith("Crisis 2025 (")  # not the run of the other scenario
    assert "1 earlier run" in summary[0]
    assert _row(by_objective, assess) == [
        "80% (20 of 25)",
        "40% (10 of 25)",
    ]  # the acknowledgement was missed
    assert _row(by_kind, "acknowledge") == ["0% (0 of 10)", "0% (0 of 10)"]
    assert _row(by_kind, "manual") == ["21% (20 of 95)", "11% (10 of 95)"]
    assert _row(by_objective, "Median of all participants") == ["14%", "5%"]

    # The hub: every participant's scores of each run.
    _, hub_objective, _ = _tables(engine, "ASEAN-CERT", second)
    assert _row(hub_objective, assess) == ["53% (40 of 75)", "20% (10 of 50)"]

    # MyCERT took no part in the first run: nothing to compare, and it is not counted.
    my_summary, my_objective, _ = _tables(engine, "MyCERT", second)
    assert len(my_objective.headers) == 2 and "nothing to compare" in my_summary[0]
    assert _row(my_objective, assess) == ["60% (15 of 25)"]

    # The first run has no earlier run to compare with.
    first_summary, first_objective, _ = _tables(engine, "ThaiCERT", first)
    assert len(first_objective.headers) == 2 and "first stopped run" in first_summary[0]
