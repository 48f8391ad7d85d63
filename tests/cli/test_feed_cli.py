"""Feeds through the command line: real samples in, sharing-filtered renderings out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import fails, gotong, ok
from tests.conftest import SHARED_DATA
from tests.helpers import REGIONAL, indicator

FEODO = SHARED_DATA / "intelmq" / "intelmq" / "tests" / "bots" / "parsers" / "abusech" / "feodoips.txt"
MISP_FEED = SHARED_DATA / "misp-feed-sample"


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


def test_a_line_feed_imports_once_and_reports_the_line_it_skipped(node: str) -> None:
    args = (
        "feed",
        "import",
        str(FEODO),
        "--format",
        "abusech-feodo",
        "--org",
        "MyCERT",
        "--collection",
        REGIONAL,
        "--classification",
        "malicious-code/c2-server",
    )
    first = gotong(node, *args)
    assert first.returncode == 1, "a skipped line makes the import exit 1"
    assert "feodoips.txt:10: 10.213.75.205 is a local or reserved network" in first.stderr
    assert "1 accepted, 0 already present, 0 rejected, 1 skipped" in first.stderr
    again = gotong(node, *args)
    assert "0 accepted, 1 already present" in again.stderr, "re-running a feed duplicates nothing"
    exported = json.loads(
        ok(
            node,
            "export",
            "--org",
            "MyCERT",
            "--collection",
            REGIONAL,
            "--include-expired",
            "--type",
            "indicator",
        )
    )["objects"]
    [indicator] = [o for o in exported if o.get("x_gotong_feed")]
    assert 'rsit:malicious-code="c2-server"' in indicator["labels"]


def test_a_line_feed_needs_a_classification(node: str) -> None:
    line = fails(node, "feed", "import", str(FEODO), "--format", "abusech-feodo", "--org", "MyCERT")
    assert "--classification" in line


def test_misp_feed_in_and_blocklists_out_under_a_ceiling(node: str, tmp_path: Path) -> None:
    result = gotong(
        node,
        "feed",
        "import",
        str(MISP_FEED),
        "--format",
        "misp-feed",
        "--org",
        "ThaiCERT",
        "--collection",
        REGIONAL,
    )
    assert "2895 accepted" in result.stderr and "Invalid SSDeep hash" in result.stderr
    amber = indicator(value="amber-only.example", tlp="amber")
    path = tmp_path / "amber.json"
    path.write_text(json.dumps(amber))
    ok(node, "import", str(path), "--org", "ThaiCERT", "--collection", REGIONAL)
    everything = ok(
        node, "export", "--org", "LaoCERT", "--collection", REGIONAL, "--format", "domain"
    ).split()
    public = ok(
        node,
        "export",
        "--org",
        "LaoCERT",
        "--collection",
        REGIONAL,
        "--format",
        "domain",
        "--ceiling",
        "clear",
    ).split()
    assert "amber-only.example" in everything and "amber-only.example" not in public
    assert len(public) == 24 and set(public) < set(everything), (
        "the 24 domains of the (TLP:CLEAR) MISP sample"
    )
    clear = json.loads(ok(node, "export", "--org", "LaoCERT", "--collection", REGIONAL, "--ceiling", "clear"))
    clear_id = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
    assert all(o.get("object_marking_refs") == [clear_id] for o in clear["objects"])
    rules = ok(node, "export", "--org", "LaoCERT", "--collection", REGIONAL, "--format", "suricata")
    assert rules.count("sid:") == len([line for line in rules.splitlines() if line.startswith("alert ")]) > 0
