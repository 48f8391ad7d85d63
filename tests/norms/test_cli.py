"""``gotong norms``, run as a real subprocess against a real database: the catalogue, and a report
filed, filled in and published, seen by the taskforce and refused to another member."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import fails, ok


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


def test_file_fill_in_show_and_publish_a_report(node: str) -> None:
    catalogue = ok(node, "norms", "list")
    assert "(h) Answer requests for assistance" in catalogue and "h2" in catalogue
    made = json.loads(ok(node, "norms", "report", "file", "--org", "VNCERT", "--cycle", "2026", "--json"))
    report_id = made["id"]
    assert made["audience"] == "VNCERT+ASEAN-TF"
    assert "already has a report" in fails(
        node, "norms", "report", "file", "--org", "VNCERT", "--cycle", "2026"
    )
    ok(
        node, "norms", "report", "set", "--org", "VNCERT", report_id, "g1", "in-progress",
        "--narrative", "Cabinet draft pending", "--evidence", "Decree 53",
    )  # fmt: skip
    assert "only VNCERT" in fails(
        node, "norms", "report", "set", "--org", "ASEAN-TF", report_id, "g1", "implemented"
    )
    assert "status: Input should be" in fails(
        node, "norms", "report", "set", "--org", "VNCERT", report_id, "g1", "done"
    )
    shown = ok(node, "norms", "report", "show", "--org", "ASEAN-TF", report_id)
    assert "Cabinet draft pending" in shown and "evidence: Decree 53" in shown
    assert "offered for h2" in shown
    assert "no implementation report" in fails(
        node, "norms", "report", "show", "--org", "ThaiCERT", report_id
    )
    assert report_id not in ok(node, "norms", "report", "list", "--org", "ThaiCERT")
    assert report_id in ok(node, "norms", "report", "list", "--org", "ASEAN-TF")
    assert "public summary" in ok(node, "norms", "report", "publish", "--org", "VNCERT", report_id)


def test_propose_a_regional_norm_and_list_the_proposals(node: str) -> None:
    made = json.loads(
        ok(
            node, "norms", "propose", "--org", "VNCERT", "--norm", "r2",
            "--title", "Share campaign indicators",
            "--summary", "Share indicators of a cross-border campaign within a day.",
            "--item", "r2-1=Indicators were shared within a day", "--json",
        )
    )  # fmt: skip
    assert (made["norm"], made["version"], made["tlp"], made["proposed_by"]) == ("r2", 1, "amber", "VNCERT")
    listed = ok(node, "norms", "proposals", "--org", "ASEAN-TF")
    assert f"{made['id']}  (r2) version 1 by VNCERT: Share campaign indicators" in listed
    assert "r2-1  Indicators were shared within a day" in listed
    assert made["id"] not in ok(node, "norms", "proposals", "--org", "MyCERT")
    problem = fails(
        node, "norms", "propose", "--org", "VNCERT", "--norm", "r2", "--title", "t", "--summary", "s",
        "--item", "no equals sign",
    )  # fmt: skip
    assert "--item 'no equals sign': write ID=TEXT" in problem
    problem = fails(
        node, "norms", "propose", "--org", "VNCERT", "--norm", "r2", "--title", "t", "--summary", "s",
        "--item", "x-1=text",
    )  # fmt: skip
    assert "items.0.id: an item of (r2) is named r2-<n>, not 'x-1'" in problem
