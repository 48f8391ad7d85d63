"""``gotong playbook``, run as a real subprocess against a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gotong import incidents
from gotong.db.engine import make_engine
from tests.cli.test_cli import fails, ok
from tests.playbooks.conftest import EXAMPLES, SCHEMAS, actor, copy_of, example


@pytest.fixture
def node(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GOTONG_CACAO_SCHEMAS", SCHEMAS)
    ok(database_url, "init", "--preset", "asean")
    return database_url


def test_import_list_show_apply_and_advance(node: str) -> None:
    imported = ok(
        node, "playbook", "import", "--org", "SingCERT", "--collection", "asean-regional",
        "--library", str(EXAMPLES / "basic-example-1.json"),
    )  # fmt: skip
    assert len(imported.splitlines()) == 7 and "Bad MAC Address" in imported
    listed = ok(node, "playbook", "list", "--org", "ThaiCERT")
    assert "Data breach" in listed and "TLP:GREEN" in listed
    ddos = next(line.split()[0] for line in listed.splitlines() if "DDoS" in line)
    shown = ok(node, "playbook", "show", "--org", "ThaiCERT", ddos)
    assert "by: affected, assisting" in shown and "Service restored (12 h)" in shown
    exported = json.loads(ok(node, "playbook", "show", "--org", "ThaiCERT", ddos, "--export"))
    assert exported["name"] == "DDoS on government services"

    case = json.loads(
        ok(
            node, "case", "open", "--org", "SingCERT", "--collection", "asean-regional",
            "--title", "Portals down", "--participant", "ThaiCERT:affected", "--json",
        )
    )  # fmt: skip
    applied = ok(node, "playbook", "apply", "--org", "SingCERT", case["id"], ddos)
    assert "step Characterise the attack traffic [affected]: open (1 task(s))" in applied
    assert "clock Service restored (12 h) of the affected: running" in applied
    task = json.loads(ok(node, "case", "show", "--org", "SingCERT", case["id"], "--json"))["tasks"][0]["id"]
    engine = make_engine(node)  # the case commands record no outcomes: the service does, as REST would
    try:
        update = incidents.TaskUpdate(outcome=incidents.TaskOutcome.SUCCESSFUL)
        incidents.update_task(
            engine, actor=actor(engine, "ThaiCERT"), case_id=case["id"], task_id=task, update=update
        )
    finally:
        engine.dispose()
    advanced = ok(node, "playbook", "advance", "--org", "SingCERT", case["id"])
    assert "step Mitigate with the upstream providers [affected]: open" in advanced


def test_refusals_are_one_line(node: str, tmp_path: Path) -> None:
    bad = copy_of(example())
    del bad["name"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), "utf-8")
    line = fails(node, "playbook", "import", "--org", "SingCERT", "--collection", "asean-regional", str(path))
    assert "playbook: name: is required" in line
    assert "--library" in fails(
        node, "playbook", "import", "--org", "SingCERT", "--collection", "asean-regional"
    )
    missing = fails(node, "playbook", "show", "--org", "SingCERT", example()["id"])
    assert "no playbook" in missing
