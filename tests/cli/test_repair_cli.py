"""``--repair`` on ``gotong import`` and ``gotong feed import``, as real subprocesses: without it the
refusal names the option and the exit status is 1; with it the objects are stored repaired and the
summary counts the repairs (issue 12, item 7)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.test_cli import gotong, ok
from tests.helpers import REGIONAL
from tests.intel.test_repair import EVENT_ID, INDICATOR_ID, _bundle

ORG = ("--org", "ThaiCERT", "--collection", REGIONAL)
COMMANDS: dict[str, tuple[str, Callable[[str], tuple[str, ...]]]] = {
    "import": ("gotong import", lambda path: ("import", path, *ORG)),
    "feed-import": ("gotong feed import", lambda path: ("feed", "import", path, "--format", "stix", *ORG)),
}


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


@pytest.mark.parametrize("command", COMMANDS)
def test_refused_naming_the_option_then_repaired_with_it(node: str, tmp_path: Path, command: str) -> None:
    words, args = COMMANDS[command]
    path = str(_bundle(tmp_path))
    refused = gotong(node, *args(path))
    assert refused.returncode == 1
    [event_line] = [line for line in refused.stderr.splitlines() if f"rejected {EVENT_ID}" in line]
    assert "millisecond precision" in event_line
    assert event_line.endswith(f"({words} --repair fixes its timestamp precision)")
    assert "repaired" not in refused.stderr
    repaired = gotong(node, *args(path), "--repair")
    assert repaired.returncode == 0, repaired.stderr
    [summary] = repaired.stderr.splitlines()
    assert "2 accepted" in summary
    assert summary.endswith("; repaired 2 objects: 1 timestamp precision, 1 custom property case")
    exported = json.loads(ok(node, "export", "--org", "ThaiCERT", "--collection", REGIONAL))["objects"]
    stored = {o["id"]: o for o in exported}
    assert stored[EVENT_ID]["created"] == "2023-11-22T15:30:00.000Z"
    assert stored[INDICATOR_ID]["x_misp_category"] == "Network activity"


def test_a_feed_keeps_its_repair_setting_and_each_run_uses_it(node: str, tmp_path: Path) -> None:
    path = str(_bundle(tmp_path))
    plain = ok(node, "feed", "add", "strict", "--source", path, "--format", "stix", *ORG)
    assert "repairing" not in plain
    added = ok(node, "feed", "add", "lenient", "--source", path, "--format", "stix", *ORG, "--repair")
    assert added.strip().endswith(", repairing producers' mistakes)")
    assert json.loads(ok(node, "feed", "show", "lenient"))["repair"] is True
    assert json.loads(ok(node, "feed", "show", "strict"))["repair"] is False
    strict = gotong(node, "feed", "run", "strict")
    assert strict.returncode == 1, "the positive control: without the setting both are refused"
    [event_line] = [line for line in strict.stderr.splitlines() if f"rejected {EVENT_ID}" in line]
    assert event_line.endswith(
        "(the feed's repair setting (feed add --repair) fixes its timestamp precision)"
    )
    lenient = gotong(node, "feed", "run", "lenient")
    assert lenient.returncode == 0, lenient.stderr
    assert "repaired 2 objects: 1 timestamp precision, 1 custom property case" in lenient.stderr
    exported = json.loads(ok(node, "export", "--org", "ThaiCERT", "--collection", REGIONAL))["objects"]
    assert {o["id"]: o for o in exported}[EVENT_ID]["created"] == "2023-11-22T15:30:00.000Z"
