"""``gotong case``, run as a real subprocess against a real database."""

from __future__ import annotations

import json

import pytest

from gotong.stix.timestamps import format_micros, micros_of
from tests.cli.test_cli import fails, ok


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


def test_open_update_and_close_a_case_from_the_command_line(node: str) -> None:
    opened = json.loads(
        ok(
            node, "case", "open", "--org", "SingCERT", "--collection", "asean-regional",
            "--title", "Defacement wave", "--rsit", "intrusions/application-compromise",
            "--sector", "public-administration", "--national-level", "yellow", "--scale", "eu-impact",
            "--participant", "CERT-PH:affected", "--json",
        )
    )  # fmt: skip
    case_id = opened["id"]
    assert opened["severity"] == 2 and opened["rsit"] == "intrusions/application-compromise"
    assert opened["participants"] == [{"org": "CERT-PH", "role": "affected"}]
    listed = ok(node, "case", "list", "--org", "CERT-PH")
    assert case_id in listed and "Defacement wave" in listed and "new" in listed

    ok(node, "case", "update", "--org", "SingCERT", case_id, "--status", "open", "--reason", "confirmed")
    ok(
        node,
        "case",
        "update",
        "--org",
        "SingCERT",
        case_id,
        "--lead",
        "CERT-PH",
        "--reason",
        "most sites in PH",
    )
    ok(node, "case", "update", "--org", "CERT-PH", case_id, "--status", "resolved")
    shown = ok(node, "case", "show", "--org", "SingCERT", case_id)
    assert "lead CERT-PH" in shown and "lead handed to CERT-PH by SingCERT" in shown
    assert "open by SingCERT: confirmed" in shown

    closed = json.loads(
        ok(node, "case", "close", "--org", "CERT-PH", case_id, "--reason", "report sent", "--json")
    )
    assert closed["status"] == "closed"
    assert [h["status"] for h in closed["status_history"]] == ["new", "open", "resolved", "closed"]
    assert closed["participants"] == [{"org": "SingCERT", "role": "assisting"}], "the former lead assists"


def test_refusals_are_one_line(node: str) -> None:
    case_id = json.loads(
        ok(
            node,
            "case",
            "open",
            "--org",
            "ThaiCERT",
            "--collection",
            "asean-regional",
            "--title",
            "x",
            "--json",
        )
    )["id"]
    assert fails(node, "case", "close", "--org", "ThaiCERT", case_id) == (
        "Error: a case that is new cannot become closed; next: open, rejected"
    )
    assert "only the lead" in fails(node, "case", "update", "--org", "MyCERT", case_id, "--status", "open")
    assert "ORG:ROLE" in fails(
        node, "case", "update", "--org", "ThaiCERT", case_id, "--participant", "MyCERT"
    )
    assert "severity" in fails(
        node,
        "case",
        "open",
        "--org",
        "ThaiCERT",
        "--collection",
        "asean-regional",
        "--title",
        "y",
        "--severity",
        "9",
    )
    assert "no case" in fails(
        node, "case", "show", "--org", "ThaiCERT", "incident--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12
    )
    assert json.loads(ok(node, "case", "list", "--org", "ThaiCERT", "--json"))[0]["status"] == "new"


def test_the_clocks_of_a_case_from_the_command_line(node: str) -> None:
    opened = json.loads(
        ok(
            node, "case", "open", "--org", "SingCERT", "--collection", "asean-regional",
            "--title", "Port ransomware", "--severity", "3", "--participant", "ThaiCERT:affected",
            "--participant", "MyCERT:informed", "--json",
        )
    )  # fmt: skip
    case_id, opened_at = opened["id"], opened["created"]
    due = micros_of(opened_at) + 2 * 3600 * 1_000_000  # severity 3, affected: acknowledge in 2 h
    later = format_micros(due)
    clocks = json.loads(ok(node, "case", "clocks", "--org", "ThaiCERT", case_id, "--at", later, "--json"))
    thai = next(c for c in clocks if c["party"] == "ThaiCERT" and c["clock"] == "acknowledge")
    assert thai["state"] == "breached" and thai["due"] == format_micros(due, digits=3)
    assert "ThaiCERT (affected)  Acknowledge: BREACHED" in ok(
        node, "case", "clocks", "--org", "SingCERT", case_id, "--at", later
    )
    checked = ok(node, "case", "check-clocks", "--at", later)
    assert "ThaiCERT acknowledge breached" in checked
    assert "ThaiCERT acknowledge escalated: step 1 (notify), severity 3" in checked
    assert ok(node, "case", "check-clocks", "--at", later).strip() == ""  # recorded and escalated once
    assert "Acknowledge: BREACHED (breach recorded) (escalated: step 1)" in ok(
        node, "case", "clocks", "--org", "SingCERT", case_id, "--at", later
    )
    # an informed party may not add entries, but it acknowledges
    assert "Acknowledged by MyCERT" in ok(node, "case", "acknowledge", "--org", "MyCERT", case_id)
    mine = json.loads(ok(node, "case", "clocks", "--org", "MyCERT", case_id, "--json"))
    assert next(c for c in mine if c["party"] == "MyCERT")["state"] == "met"
    assert "--at 'soon'" in fails(node, "case", "clocks", "--org", "MyCERT", case_id, "--at", "soon")


def test_the_sitrep_of_a_case_from_the_command_line(node: str) -> None:
    case_id = json.loads(
        ok(
            node, "case", "open", "--org", "SingCERT", "--collection", "asean-regional",
            "--title", "DDoS on e-government", "--severity", "2", "--participant", "ThaiCERT:affected",
            "--json",
        )
    )["id"]  # fmt: skip
    report = ok(node, "case", "sitrep", "--org", "ThaiCERT", case_id)
    assert report.startswith("# Situation report: DDoS on e-government")
    assert "## Clocks" in report and "ThaiCERT (affected), Acknowledge:" in report
    assert "no case" in fails(
        node, "case", "sitrep", "--org", "ThaiCERT", "incident--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12
    )
