"""``gotong exercise`` and ``gotong scenario`` on a real node: a scenario exported, changed and imported
again; an exercise made, started and read; bad input in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from gotong import exercises
from gotong.db.engine import read_connection
from gotong.orgs.service import operator_for
from gotong.stix.timestamps import now_micros
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


def _drill_three_hours_in(engine: Engine) -> str:
    """A running drill of the one-day scenario with ThaiCERT and MyCERT, three hours in (its first
    injects sent and missed, so each participant has results to appeal)."""
    with read_connection(engine) as conn:
        hub_actor = operator_for(conn, org="ASEAN-CERT")
    t0 = now_micros() - 181 * 60_000_000
    body = exercises.ExerciseCreate(
        scenario="acid-ransomware", name="cli drill", participants=["ThaiCERT", "MyCERT"]
    )
    made = exercises.create_exercise(engine, actor=hub_actor, exercise=body, now=t0).id
    exercises.start_exercise(engine, actor=hub_actor, exercise_id=made, now=t0)
    exercises.tick(engine, settings=None, now=t0 + 181 * 60_000_000, only=made)
    return made


def test_appeals_are_filed_and_decided_and_the_after_action_report_is_read(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    drill = _drill_three_hours_in(engine)
    # While the drill runs it has no after-action report yet: one line saying so.
    assert "once it is stopped" in fails(database_url, "exercise", "after-action", drill)
    filed = ok(
        database_url, "exercise", "appeal", drill, "--org", "ThaiCERT",
        "--inject", "first-report", "--expectation", "ack", "--reason", "we answered by phone",
    )  # fmt: skip
    appeal_id = filed.split()[1]
    assert "filed: first-report/ack, open" in filed
    unknown = fails(
        database_url, "exercise", "appeal", drill, "--org", "ThaiCERT",
        "--inject", "first-report", "--expectation", "nothing-like-it", "--reason", "x",
    )  # fmt: skip
    assert "no result first-report/nothing-like-it" in unknown
    listed = json.loads(ok(database_url, "exercise", "appeals", drill, "--org", "ThaiCERT", "--json"))
    assert [a["id"] for a in listed] == [appeal_id]
    assert ok(database_url, "exercise", "appeals", drill, "--org", "MyCERT") == ""  # not MyCERT's to see
    decided = ok(
        database_url, "exercise", "decide", drill, appeal_id,
        "--outcome", "upheld", "--points", "5", "--reason", "the phone log shows it",
    )  # fmt: skip
    assert f"appeal {appeal_id} upheld: points 0 -> 5" in decided
    again = fails(
        database_url, "exercise", "decide", drill, appeal_id, "--outcome", "rejected", "--reason", "again"
    )
    assert "already decided" in again
    assert "stopped" in ok(database_url, "exercise", "stop", drill)

    text = ok(database_url, "exercise", "after-action", drill)
    assert "cli drill: " in text and "participants: MyCERT, ThaiCERT" in text
    assert "ThaiCERT scored 5 of 55 points" in text  # the upheld appeal's 5 points count
    report = json.loads(ok(database_url, "exercise", "after-action", drill, "--format", "json"))
    assert report["exercise"] == drill and report["tlp"]
    # A participant reads its own results, never another's name in the results.
    thai = json.loads(
        ok(database_url, "exercise", "after-action", drill, "--org", "ThaiCERT", "--format", "json")
    )
    thai_rows = [row for s in thai["sections"] for t in s["tables"] for row in t["rows"]]
    all_rows = [row for s in report["sections"] for t in s["tables"] for row in t["rows"]]
    assert any("MyCERT" in row for row in all_rows)  # positive control: the hub sees MyCERT's results
    assert not any("MyCERT" in row for row in thai_rows)
    pdf = tmp_path / "aar.pdf"
    assert f"wrote {pdf}" in ok(
        database_url, "exercise", "after-action", drill, "--format", "pdf", "--output", str(pdf)
    )
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "needs --output" in fails(database_url, "exercise", "after-action", drill, "--format", "pdf")
    assert "no exercise" in fails(database_url, "exercise", "after-action", drill, "--org", "LaoCERT")
