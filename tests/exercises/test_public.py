"""What the exercises domain promises: its public names, its shipped scenarios, and docs that say so."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gotong import exercises
from gotong.errors import Invalid
from gotong.exercises.routes import router

DOCS = Path(__file__).resolve().parents[2] / "docs" / "exercises.md"


PUBLIC = {
    "ACTION_TYPE",
    "ALL",
    "APPEAL_TYPE",
    "ActionItemCreate",
    "ActionItemPublic",
    "ActionItemUpdate",
    "ActionStatus",
    "AppealCreate",
    "AppealDecision",
    "AppealOutcome",
    "AppealPublic",
    "CapacityLink",
    "Channel",
    "EXERCISE_COLLECTION",
    "EXERCISE_TYPE",
    "EvaluationCreate",
    "ExerciseCreate",
    "ExercisePublic",
    "ExerciseStatus",
    "Expectation",
    "ExpectationKind",
    "ExpectationPublic",
    "INJECT_TYPE",
    "Inject",
    "InjectPublic",
    "Objective",
    "ResultPublic",
    "ResultStatus",
    "SCORE_TYPE",
    "Scenario",
    "ScenarioKind",
    "ScenarioSummary",
    "ScheduleItem",
    "ScorePublic",
    "ScoresPublic",
    "acknowledge_inject",
    "create_action_item",
    "create_exercise",
    "decide_appeal",
    "evaluate",
    "exercise_parties",
    "export_scenario",
    "file_appeal",
    "get_exercise",
    "get_scores",
    "import_scenario",
    "list_action_items",
    "list_appeals",
    "list_exercises",
    "list_injects",
    "list_scenarios",
    "may_run_exercises",
    "parse_scenario",
    "pause_exercise",
    "shipped_scenarios",
    "start_exercise",
    "stop_exercise",
    "tick",
    "update_action_item",
}


def test_public_interface() -> None:
    assert set(exercises.__all__) == PUBLIC
    assert all(hasattr(exercises, name) for name in exercises.__all__)


def test_the_shipped_templates_load_and_score_only_what_they_expect() -> None:
    shipped = exercises.shipped_scenarios()
    assert set(shipped) == {
        "communication-check",
        "acid-ransomware",
        "apcert-ddos-phishing",
        "regional-crisis-tabletop",
    }
    assert shipped["communication-check"].max_points() == 10
    acid = shipped["acid-ransomware"]
    assert [i.id for i in acid.injects if not i.expectations] == ["wrap-up"]  # unscored, on purpose
    assert [i.id for i in acid.injects if i.informational] == ["wrap-up"]
    assert {e.kind for i in acid.injects for e in i.expectations} == {
        "acknowledge",
        "share-indicator",
        "manual",
    }


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"injects": []}, "injects"),
        ({"id": "Not A Slug"}, "id"),
        ({"bogus": 1}, "bogus"),
        (
            {
                "injects": [
                    {
                        "id": "a",
                        "offset_minutes": 0,
                        "targets": ["all"],
                        "channel": "contact-check",
                        "title": "t",
                        "content": "c",
                        "expectations": [
                            {
                                "id": "x",
                                "kind": "acknowledge",
                                "within_minutes": 5,
                                "points": 1,
                                "rubric": "r",
                            }
                        ],
                    }
                ]
            },
            "an expectation of kind acknowledge needs the email or exercise-collection channel",
        ),
    ],
)
def test_a_broken_scenario_is_refused_naming_the_problem(change: dict[str, object], problem: str) -> None:
    raw = {**exercises.shipped_scenarios()["communication-check"].model_dump(mode="json"), **change}
    with pytest.raises(Invalid, match=re.escape(problem)):
        exercises.parse_scenario(raw)


def test_the_docs_name_every_endpoint_and_the_scoring_rules() -> None:
    text = DOCS.read_text()
    for route in router.routes:
        path = getattr(route, "path", "")
        shown = re.sub(r"\{exercise_id\}", "{id}", path)
        shown = re.sub(r"\{inject_id\}", "{inject}", shown)
        shown = re.sub(r"\{appeal_id\}", "{appeal}", shown)
        shown = re.sub(r"\{scenario_id\}", "{id}", shown)
        last = shown.rsplit("/", 1)[-1]
        assert shown in text or f"/{last}" in text, path
    for status in exercises.ResultStatus:
        assert f"**{status}**" in text, status
