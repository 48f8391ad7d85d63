"""Pins ``gotong.maturity.__all__`` (what the scoreboard, reports and adapters may use) and the
shape of its actor verbs: the engine first, then keyword-only arguments with the principal as ``actor``."""

from __future__ import annotations

import inspect

import pytest

from gotong import maturity

VERBS = {
    "assessment_gaps",
    "create_assessment",
    "create_plan",
    "get_assessment",
    "get_plan",
    "history",
    "list_assessments",
    "list_plans",
    "publish_assessment",
    "radar_svg",
    "region",
    "review_assessment",
    "tiers_for",
    "update_assessment",
    "update_plan",
}
PURE = {"entries_from_csv", "entries_from_json", "frameworks", "get_framework", "heat_map", "history_chart"}
PURE |= {"list_frameworks", "radar", "to_csv", "to_json"}
NAMES = {"ASSESSMENT_TYPE", "MATURITY_COLLECTION", "PLAN_TYPE"}
SCHEMAS = {
    "AssessmentCreate",
    "AssessmentPublic",
    "AssessmentStatus",
    "AssessmentUpdate",
    "EntryInput",
    "Framework",
    "FrameworkPublic",
    "GapReport",
    "ItemStatus",
    "Parameter",
    "PlanCreate",
    "PlanItemCreate",
    "PlanItemUpdate",
    "PlanPublic",
    "PlanUpdate",
    "Profile",
    "ProfileKind",
    "Publication",
    "RegionPublic",
    "Review",
    "ReviewChange",
    "TierPublic",
}


def test_the_domain_exports_exactly_its_verbs_and_schemas() -> None:
    assert set(maturity.__all__) == VERBS | PURE | NAMES | SCHEMAS
    for name in maturity.__all__:
        assert getattr(maturity, name) is not None


@pytest.mark.parametrize("name", sorted(VERBS))
def test_actor_verbs_take_the_engine_then_the_principal_by_keyword(name: str) -> None:
    verb = getattr(maturity, name)
    parameters = list(inspect.signature(verb).parameters.values())
    assert parameters[0].name == "engine"
    keyword = {p.name for p in parameters[1:] if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert "actor" in keyword and len(keyword) == len(parameters) - 1
    assert verb.__doc__, f"{name} says what it does"


def test_the_docs_name_every_rest_path_and_command() -> None:
    from pathlib import Path

    from gotong.maturity.cli import capacity_group, maturity_group
    from gotong.maturity.routes import capacity_router, router

    text = (Path(__file__).parents[2] / "docs" / "maturity.md").read_text("utf-8")
    for route in [*router.routes, *capacity_router.routes]:
        path = getattr(route, "path", "")
        assert path.replace("{assessment_id}", "{id}").replace("{plan_id}", "{id}") in text, path
    for group in (maturity_group, capacity_group):
        for name in group.commands:
            assert f"gotong {group.name} {name}" in text or name in {"frameworks", "list", "show"}, name
