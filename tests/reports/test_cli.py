"""``gotong scoreboard`` and ``gotong report``, run as real subprocesses against a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import fails, ok
from tests.helpers import REGIONAL, indicator


@pytest.fixture
def node(database_url: str, tmp_path: Path) -> str:
    ok(database_url, "init", "--preset", "asean")
    bundle = tmp_path / "bundle.json"
    objects = [indicator(tlp="green"), indicator(tlp="green")]
    bundle.write_text(
        json.dumps(
            {"type": "bundle", "id": "bundle--6f1d2b1e-3a3c-4b8e-9a41-1e2d3c4b5a69", "objects": objects}
        )
    )
    ok(database_url, "import", str(bundle), "--org", "ThaiCERT", "--collection", REGIONAL)
    return database_url


def test_scoreboard_from_the_command_line(node: str) -> None:
    board = json.loads(ok(node, "scoreboard", "--org", "ThaiCERT", "--json"))
    assert board["viewer"] == "ThaiCERT"
    assert [o["org"] for o in board["organisations"]] == ["ThaiCERT"]
    assert board["organisations"][0]["volume"]["objects"] == 2
    assert "ThaiCERT: 2 shared" in ok(node, "scoreboard", "--org", "ThaiCERT", "--period", "year")
    assert "has not published" in fails(node, "scoreboard", "--org", "MyCERT", "--of", "ThaiCERT")
    ok(node, "scoreboard", "--org", "ThaiCERT", "--publish")
    assert "ThaiCERT: 2 shared" in ok(node, "scoreboard", "--org", "MyCERT", "--of", "ThaiCERT")
    assert "period" in fails(node, "scoreboard", "--org", "ThaiCERT", "--period", "last-tuesday")


def test_report_generate_list_show(node: str, tmp_path: Path) -> None:
    made = json.loads(ok(node, "report", "generate", "--org", "ThaiCERT", "--period", "year", "--json"))
    assert [s["key"] for s in made["sections"]] == ["sharing"]
    assert str(made["id"]) in ok(node, "report", "list", "--org", "ThaiCERT")
    assert "Executive summary" in ok(node, "report", "show", str(made["id"]), "--org", "ThaiCERT")
    pdf = tmp_path / "report.pdf"
    ok(node, "report", "show", str(made["id"]), "--org", "ThaiCERT", "--format", "pdf", "--output", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "no report" in fails(node, "report", "show", str(made["id"]), "--org", "MyCERT")
    assert "needs --output" in fails(
        node, "report", "show", str(made["id"]), "--org", "ThaiCERT", "--format", "pdf"
    )


def test_report_generate_for_a_tlp_audience(node: str) -> None:
    # The two TLP:GREEN objects are in a TLP:GREEN report, not in a TLP:CLEAR one.
    green = ok(node, "report", "generate", "--org", "ThaiCERT", "--period", "year", "--tlp", "green")
    assert "TLP:GREEN, sections sharing" in green
    clear = ok(node, "report", "generate", "--org", "ThaiCERT", "--period", "year", "--tlp", "clear")
    assert "TLP:CLEAR, sections none" in clear
    assert "tlp: a report is made for" in fails(
        node, "report", "generate", "--org", "ThaiCERT", "--tlp", "red"
    )
