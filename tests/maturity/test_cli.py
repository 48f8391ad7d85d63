"""``gotong maturity`` and ``gotong capacity``, run as real subprocesses against a real database:
an assessment filled in offline from CSV, reviewed, published, its gaps, exported, and a plan."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from gotong import maturity
from gotong.core.auth import Role
from gotong.db.engine import make_engine, write_transaction
from gotong.orgs.service import add_user
from tests.cli.test_cli import fails, ok
from tests.contacts.conftest import smtp_sink
from tests.maturity.conftest import levels, published

SIM3 = maturity.get_framework("sim3-v1")


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


def test_assess_review_publish_gaps_export_and_plan_from_the_command_line(node: str, tmp_path: Path) -> None:
    sheet = tmp_path / "cam.csv"
    rows = ["parameter,level,justification,evidence"] + [f"{p.id},1,as practised," for p in SIM3.parameters]
    rows[1] = "O-1,0,no mandate yet,draft decree | minutes of 2026-03"
    sheet.write_text("\n".join(rows) + "\n", "utf-8")
    made = json.loads(
        ok(
            node,
            "maturity",
            "assess",
            "--org",
            "CamCERT",
            "--date",
            "2026-05-01",
            "--from",
            str(sheet),
            "--json",
        )
    )
    assessment = made["id"]
    assert made["status"] == "draft" and made["entries"][0]["evidence"] == [
        "draft decree",
        "minutes of 2026-03",
    ]

    assert "only the reviewer" in fails(node, "maturity", "review", "--org", "CamCERT", assessment, "--done")
    ok(node, "maturity", "ask-review", "--org", "CamCERT", assessment, "--reviewer", "SingCERT")
    shown = ok(
        node,
        "maturity",
        "review",
        "--org",
        "SingCERT",
        assessment,
        "--set",
        "T-4=0:no tracker seen",
        "--done",
    )
    assert "T-4   0" in shown and "self-assessed 1; SingCERT: no tracker seen" in shown
    assert "write PARAMETER=LEVEL:REASON" in fails(
        node, "maturity", "review", "--org", "SingCERT", assessment, "--set", "T-4"
    )
    ok(node, "maturity", "publish", "--org", "CamCERT", assessment)

    gaps = ok(node, "maturity", "gaps", "--org", "CamCERT", assessment)
    assert "tier reached: none" in gaps
    assert gaps.splitlines()[2].split()[:2] == ["O-1", "0"]  # the biggest gap of the highest category first
    exported = ok(node, "maturity", "export", "--org", "ASEAN-CERT", assessment)
    table = list(csv.DictReader(io.StringIO(exported)))
    assert len(table) == 44
    assert {k: table[[r["parameter"] for r in table].index("T-4")][k] for k in ("level", "self_level")} == {
        "level": "0",
        "self_level": "1",
    }
    assert "no assessment" in fails(node, "maturity", "show", "--org", "ThaiCERT", assessment)

    plan = json.loads(ok(node, "capacity", "plan", "--org", "CamCERT", "--assessment", assessment, "--json"))
    assert plan["items"][0]["parameters"] in (["O-1"], ["T-4"])
    assert "evidence" in fails(
        node, "capacity", "item", "--org", "CamCERT", plan["id"], "1", "--status", "completed"
    )
    done = ok(
        node,
        "capacity",
        "item",
        "--org",
        "CamCERT",
        plan["id"],
        "1",
        "--status",
        "completed",
        "--evidence",
        "Decree signed",
        "--provider",
        "SingCERT",
    )
    assert "[completed]" in done and "with SingCERT" in done
    assert plan["id"] in ok(node, "capacity", "list", "--org", "ASEAN-CERT")
    assert plan["id"] not in ok(node, "capacity", "list", "--org", "ThaiCERT")


def test_a_json_export_imports_back_into_a_new_draft(node: str, tmp_path: Path) -> None:
    rows = "\n".join(["parameter,level"] + [f"{p.id},2" for p in SIM3.parameters])
    (tmp_path / "a.csv").write_text(rows, "utf-8")
    first = json.loads(
        ok(node, "maturity", "assess", "--org", "ThaiCERT", "--from", str(tmp_path / "a.csv"), "--json")
    )
    (tmp_path / "a.json").write_text(
        ok(node, "maturity", "export", "--org", "ThaiCERT", first["id"], "--format", "json")
    )
    second = json.loads(
        ok(node, "maturity", "assess", "--org", "ThaiCERT", "--from", str(tmp_path / "a.json"), "--json")
    )
    assert [e["level"] for e in second["entries"]] == [2] * 44
    (tmp_path / "bad.csv").write_text("parameter,level\nO-1,high\n", "utf-8")
    assert "not a whole number" in fails(
        node, "maturity", "assess", "--org", "ThaiCERT", "--from", str(tmp_path / "bad.csv")
    )


def test_remind_mails_a_run_out_cycle_once(node: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(node)
    try:
        published(engine, "LaoCERT", levels(1), on="2024-06-01")  # its cycle ran out on 2025-06-01
        with write_transaction(engine) as conn:
            add_user(conn, email="coord@laocert.example", org="LaoCERT", role=Role.COORDINATOR)
    finally:
        engine.dispose()
    assert "GOTONG_SMTP_HOST is not set" in fails(node, "maturity", "remind")
    with smtp_sink() as (port, received):
        monkeypatch.setenv("GOTONG_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("GOTONG_SMTP_PORT", str(port))
        sent = ok(node, "maturity", "remind")
        assert sent == "LaoCERT  sim3-v1 due on 2025-06-01: mailed coord@laocert.example\n"
        assert [e.rcpt_tos for e in received] == [["coord@laocert.example"]]
        assert ok(node, "maturity", "remind") == ""  # sent once
        assert len(received) == 1
