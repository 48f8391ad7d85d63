"""Pins: the public verbs of the scoreboard and the reports, the capacity data, and the docs."""

from __future__ import annotations

from pathlib import Path

from gotong import reports, scoreboard
from gotong.scoreboard.capacity import capacity_config
from gotong.scoreboard.schemas import Quality, Responsiveness, Timeliness, Volume

DOCS = Path(__file__).parents[2] / "docs"


def test_public_verbs_are_pinned() -> None:
    assert {n for n in scoreboard.__all__ if n[0].islower()} == {
        "capacity_of",
        "is_exercise",
        "matrix",
        "parse_period",
        "previous_period",
        "register_capacity",
        "scoreboard",
        "shared_counts",
        "scoreboard_settings_of",
        "update_scoreboard_settings",
    }
    assert {n for n in reports.__all__ if n[0].islower()} == {
        "after_action_report",
        "generate_report",
        "get_report",
        "list_reports",
        "register_section",
        "registered_sections",
        "render_after_action_body",
        "render_after_action_html",
        "render_after_action_pdf",
        "render_body",
        "render_csv",
        "render_html",
        "render_pdf",
        "run_scheduled",
        "subscribe",
        "subscribers_of",
        "unsubscribe",
    }
    assert all(hasattr(scoreboard, n) for n in scoreboard.__all__)
    assert all(hasattr(reports, n) for n in reports.__all__)


def test_the_built_in_sections_are_registered_in_order() -> None:
    assert [s.key for s in reports.registered_sections()] == [
        "sharing",
        "alerts",
        "incidents",
        "assistance",
        "contacts",
        "maturity",
        "training",
        "drills",
        "norms",
        "taskforce",
        "budgets",
    ]


def test_capacity_sources_are_data() -> None:
    config = capacity_config()
    assert config["sources"] == ["maturity-tier", "team-size"]
    assert config["team-size"]["reference"] == 5


def test_every_figure_has_its_formula_in_the_docs() -> None:
    text = (DOCS / "scoreboard.md").read_text(encoding="utf-8").lower()
    names = [
        *Volume.model_fields,
        *Timeliness.model_fields,
        *Quality.model_fields,
        *Responsiveness.model_fields,
    ]
    missing = [n for n in names if n.replace("_", " ").split(" ")[0] not in text]
    assert missing == []
    for phrase in ("median", "nearest rank", "x_gotong_exercise", "published", "capacity units", "matrix"):
        assert phrase in text
    assert "register_section" in (DOCS / "reports.md").read_text(encoding="utf-8")
