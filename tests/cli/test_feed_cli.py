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
    assert (
        "1 accepted (1 of them expired on arrival), 0 already present, 0 rejected, 1 skipped" in first.stderr
    )
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


def test_a_configured_feed_runs_by_name_and_lists_its_status(node: str) -> None:
    added = ok(
        node,
        "feed",
        "add",
        "feodo",
        "--source",
        str(FEODO),
        "--format",
        "abusech-feodo",
        "--org",
        "MyCERT",
        "--collection",
        REGIONAL,
        "--classification",
        "malicious-code/c2-server",
        "--every",
        "6h",
    )
    assert "feed feodo added (abusech-feodo, every 6h)" in added
    ran = gotong(node, "feed", "run", "feodo")
    assert ran.returncode == 1, "a skipped line is reported with a non-zero status"
    assert "feodoips.txt:10: 10.213.75.205 is a local or reserved network" in ran.stderr
    assert (
        "feed feodo: 1 accepted (1 of them expired on arrival), 0 already present, 0 rejected" in ran.stderr
    )
    listed = ok(node, "feed", "list").splitlines()
    assert listed[0].split()[:3] == ["NAME", "FORMAT", "EVERY"]
    assert listed[1].split()[:3] == ["feodo", "abusech-feodo", "6h"]
    shown = json.loads(ok(node, "feed", "show", "feodo"))
    assert (shown["outcome"], shown["accepted"], shown["problem_count"]) == ("imported", 1, 1)
    ok(node, "feed", "disable", "feodo")
    assert json.loads(ok(node, "feed", "list", "--json"))[0]["enabled"] is False
    ok(node, "feed", "remove", "feodo")
    assert json.loads(ok(node, "feed", "list", "--json")) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("feed", "run"), "name the feeds to run, or give --due"),
        (("feed", "run", "nope"), "no feed named 'nope'"),
        (("feed", "show", "nope"), "no feed named 'nope'"),
        (
            ("feed", "add", "x", "--source", str(FEODO), "--format", "abusech-feodo", "--org", "MyCERT"),
            "needs a classification",
        ),
        (
            (
                "feed",
                "add",
                "x",
                "--source",
                str(MISP_FEED),
                "--format",
                "misp-feed",
                "--org",
                "MyCERT",
                "--every",
                "often",
            ),
            "interval 'often' is not like 15m, 6h or 1d",
        ),
        (
            (
                "feed",
                "add",
                "x",
                "--source",
                "http://127.0.0.1:9/",
                "--format",
                "stix",
                "--org",
                "MyCERT",
                "--user",
                "nopassword",
            ),
            "--user takes user:password",
        ),
    ],
)
def test_feed_commands_say_what_is_wrong_in_one_line(node: str, args: tuple[str, ...], message: str) -> None:
    assert message in fails(node, *args)
