"""``gotong exercise`` and ``gotong scenario`` on a real node: a scenario exported, changed and imported
again; an exercise made, started and read; bad input in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import fails, ok


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


def test_scenarios_go_out_and_come_back_and_exercises_run_from_the_command_line(
    node: str, tmp_path: Path
) -> None:
    assert "communication-check" in ok(node, "scenario", "list")
    out = tmp_path / "check.json"
    ok(node, "scenario", "export", "communication-check", "-o", str(out))
    mine = json.loads(out.read_text())
    assert mine["injects"][0]["expectations"][0]["kind"] == "answer-contact-check"
    mine["id"] = "our-desk-check"
    out.write_text(json.dumps(mine))
    assert "imported our-desk-check" in ok(node, "scenario", "import", str(out))
    assert "our-desk-check" in ok(node, "scenario", "list")
    # A shipped template's id is taken; a broken file is refused naming the problem.
    out.write_text(json.dumps({**mine, "id": "communication-check"}))
    assert "shipped template" in fails(node, "scenario", "import", str(out))
    out.write_text(json.dumps({**mine, "injects": []}))
    assert "injects" in fails(node, "scenario", "import", str(out))

    made = json.loads(
        ok(
            node,
            "exercise",
            "create",
            "--scenario",
            "our-desk-check",
            "--name",
            "Q4 check",
            "--participant",
            "ThaiCERT",
            "--participant",
            "VNCERT",
            "--json",
        )
    )
    assert made["status"] == "planned" and made["participants"] == ["ThaiCERT", "VNCERT"]
    assert "running" in ok(node, "exercise", "start", made["id"])
    assert made["id"] in ok(node, "exercise", "status", "--org", "VNCERT")
    assert made["id"] not in ok(node, "exercise", "status", "--org", "LaoCERT")
    assert "no exercise" in fails(node, "exercise", "status", "--org", "LaoCERT", made["id"])
    assert "distribution" in ok(node, "exercise", "scores", made["id"])
    assert "cannot be started" in fails(node, "exercise", "start", made["id"])
    assert "not-a-participant" in fails(
        node,
        "exercise",
        "create",
        "--scenario",
        "our-desk-check",
        "--name",
        "x",
        "--participant",
        "not-a-participant",
    )
