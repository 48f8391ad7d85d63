"""``gotong taskforce``, run as a real subprocess against a real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gotong.db.engine import make_engine
from tests.cli.test_cli import fails, ok
from tests.taskforce.conftest import holder, seat_roster


@pytest.fixture
def node(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GOTONG_NODE_KEY_FILE", str(tmp_path / "node.key"))
    ok(database_url, "init", "--preset", "asean")
    engine = make_engine(database_url)
    try:
        seat_roster(engine)
    finally:
        engine.dispose()
    return database_url


def test_seats_motions_and_votes_from_the_command_line(node: str) -> None:
    seats = ok(node, "taskforce", "seat", "list")
    assert f"VN  Viet Nam: {holder('VN')}, alternate alternate.vn@taskforce.example" in seats
    assert seats.count("(chair)") == 1
    tabled = ok(
        node, "taskforce", "motion", "table", "--as", holder("TH"), "--kind", "impose-measure",
        "--text", "Viet Nam reports on norm (g) within 180 days.", "--seconder", "SG", "--concerned", "VN",
    )  # fmt: skip
    motion_id = tabled.split()[0]
    assert motion_id.startswith("gotong-taskforce-motion--") and "open, TLP:AMBER" in tabled
    assert "recused" in fails(node, "taskforce", "vote", motion_id, "--as", holder("VN"), "--choice", "no")
    assert "TH voted yes" in ok(node, "taskforce", "vote", motion_id, "--as", holder("TH"), "--choice", "yes")
    shown = json.loads(ok(node, "taskforce", "motion", "show", motion_id, "--json"))
    assert shown["tally"]["yes"] == 1 and shown["recused"] == ["VN"]
    assert motion_id in ok(node, "taskforce", "motion", "list", "--status", "open")
    assert ok(node, "taskforce", "motion", "close-due") == ""  # its window is still open
    nobody = fails(node, "taskforce", "vote", motion_id, "--as", "nobody@x.example", "--choice", "yes")
    assert "is not a user of the taskforce" in nobody
    assert "has no seat" in fails(
        node, "taskforce", "seat", "assign", "XX", "--holder", holder("TH"), "--alternate", holder("VN")
    )
    assert ok(node, "taskforce", "measures") == ""


def test_the_agenda_lists_a_budget_tabled_below_its_mandate(node: str) -> None:
    def file(year: int) -> None:
        ok(
            node, "budget", "report", "file", "--org", "VNCERT", "--year", str(year),
            "--amount", "cert-operations=5000000000", "--amount", "cert-staff=3000000000",
            "--amount", "training=2000000000", "--ict-budget", "1000000000000",
        )  # fmt: skip

    file(2025)
    assert ok(node, "taskforce", "agenda") == ""  # one year below: not tabled yet
    file(2026)
    [line] = ok(node, "taskforce", "agenda").splitlines()
    assert line.startswith("gotong-taskforce-agenda-item--")
    assert line.endswith("VNCERT (VN): budget-below-mandate 2025, 2026, tabled, TLP:AMBER+STRICT")
