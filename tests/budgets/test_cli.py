"""``gotong budget``, run as a real subprocess against a real database: the mandate, a report filed
below the mandate, compliance exact for the member and the taskforce and a band for another member
once the ranges are published."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import fails, ok


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


def test_mandate_report_and_compliance_from_the_command_line(node: str) -> None:
    assert "share-of-ict-budget: 0.1" in ok(node, "budget", "mandate")
    made = json.loads(
        ok(
            node, "budget", "report", "file", "--org", "VNCERT", "--year", "2026",
            "--amount", "cert-staff=3_000_000_000", "--amount", "cert-operations=5000000000",
            "--ict-budget", "1000000000000", "--json",
        )
    )  # fmt: skip
    assert made["total"] == 8_000_000_000 and made["audience"] == "VNCERT+ASEAN-TF"
    assert "not a budget category" in fails(
        node, "budget", "report", "file", "--org", "VNCERT", "--year", "2025", "--amount", "salaries=1"
    )
    assert "CATEGORY=AMOUNT" in fails(
        node, "budget", "report", "file", "--org", "VNCERT", "--year", "2025", "--amount", "cert-staff"
    )
    for reader in ("VNCERT", "ASEAN-TF"):
        assert "VNCERT     2026  below" in ok(node, "budget", "compliance", "--org", reader)
        assert "8,000,000,000 VND" in ok(node, "budget", "report", "list", "--org", reader)
    assert ok(node, "budget", "compliance", "--org", "ThaiCERT") == ""
    assert ok(node, "budget", "report", "list", "--org", "ThaiCERT") == ""
    assert "ranges published" in ok(node, "budget", "report", "ranges", "--org", "VNCERT", made["id"])
    seen = ok(node, "budget", "compliance", "--org", "ThaiCERT")
    assert "range: under 25%" in seen and "below" not in seen and "8,000,000,000" not in seen
