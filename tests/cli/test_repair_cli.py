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
