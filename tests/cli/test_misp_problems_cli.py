"""MISP events through ``gotong import`` and ``gotong feed import --format misp-event``: objects
misp-stix folds into another are no "skipped" line and no exit status 1; a real loss is one line and
exit status 1 (issue 12, item 6)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.test_cli import gotong, ok
from tests.feeds.test_misp_problems import _folding_event
from tests.helpers import REGIONAL

ORG = ("--org", "ThaiCERT", "--collection", REGIONAL)


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


def _event_file(tmp_path: Path, *, section_offset: str) -> Path:
    path = tmp_path / f"event-{section_offset}.json"
    event = _folding_event(section_offset=section_offset)
    event["Event"]["uuid"] = str(uuid.uuid4())  # another event each time: one node takes both
    path.write_text(json.dumps(event), "utf-8")
    return path


COMMANDS: dict[str, Callable[[str], tuple[str, ...]]] = {
    "import": lambda path: ("import", path, *ORG),
    "feed-import": lambda path: ("feed", "import", path, "--format", "misp-event", *ORG),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_folded_objects_are_no_skipped_line_and_a_real_loss_is_one_line(
    node: str, tmp_path: Path, command: str
) -> None:
    clean = gotong(node, *COMMANDS[command](str(_event_file(tmp_path, section_offset="1000"))))
    assert clean.returncode == 0, clean.stderr
    assert "; skipped" not in clean.stderr and "made nothing" not in clean.stderr
    assert [line for line in clean.stderr.splitlines() if "accepted" in line], "the summary is printed"
    lossy = gotong(node, *COMMANDS[command](str(_event_file(tmp_path, section_offset="0x1000"))))
    assert lossy.returncode == 1, "a real loss is still a non-zero status (the positive control)"
    lost = [line for line in lossy.stderr.splitlines() if line.endswith("; skipped")]
    assert len(lost) == 2 and all("(hex) of object" in line and "0x1000" in line for line in lost)
    others = [line for line in lossy.stderr.splitlines() if line not in lost]
    assert len(others) == 1 and "accepted" in others[0], "nothing else: no raw PyMISP warning"
