"""Every way in defaults to the submitting organisation's TLP and says so; --tlp overrides it; entries
already expired when they arrive are counted and named (regressions of issue 12, items 4 and 9)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ijson
import pytest

from tests.cli.test_cli import gotong, ok
from tests.conftest import SHARED_DATA
from tests.helpers import REGIONAL

FEODO = SHARED_DATA / "intelmq" / "intelmq" / "tests" / "bots" / "parsers" / "abusech" / "feodoips.txt"
ATTACK = SHARED_DATA / "attack-stix-data" / "enterprise-attack" / "enterprise-attack-18.1.derived-stix21.json"
CLEAR = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


def _indicators(node: str, org: str = "MyCERT") -> list[dict[str, Any]]:
    args = ("export", "--org", org, "--collection", REGIONAL, "--include-expired", "--type", "indicator")
    return [o for o in json.loads(ok(node, *args))["objects"] if o.get("x_gotong_feed")]


def _feed_import(node: str, *extra: str) -> Any:
    return gotong(
        node,
        *("feed", "import", str(FEODO), "--format", "abusech-feodo", "--org", "MyCERT"),
        *("--collection", REGIONAL, "--classification", "malicious-code/c2-server", *extra),
    )


def test_feed_import_marks_line_feeds_with_the_organisation_default_and_says_so(node: str) -> None:
    done = _feed_import(node)
    assert "unmarked entries marked TLP:AMBER (MyCERT's default)" in done.stderr
    [stored] = _indicators(node)
    assert AMBER in stored["object_marking_refs"], "never CLEAR unless someone said so"


def test_feed_import_takes_tlp(node: str) -> None:
    done = _feed_import(node, "--tlp", "clear")
    assert "unmarked entries marked TLP:CLEAR (--tlp)" in done.stderr
    [stored] = _indicators(node)
    assert stored["object_marking_refs"] == [CLEAR]


def test_an_entry_dated_2021_is_counted_and_named_as_expired(node: str) -> None:
    done = _feed_import(node)
    assert (
        "1 accepted (1 of them expired on arrival), 0 already present, 0 rejected, 1 skipped" in done.stderr
    )
    [line] = [x for x in done.stderr.splitlines() if x.startswith("expired on arrival")]
    assert "valid until 2021-" in line and "192.16.238.101" in line
    assert len(_indicators(node)) == 1, "stored all the same, for the record"


def _attack_sample(tmp_path: Path) -> Path:
    """Three ATT&CK techniques as published: marked with MITRE's copyright statement, no TLP."""
    with ATTACK.open("rb") as handle:
        objects = []
        for obj in ijson.items(handle, "objects.item"):
            if obj["type"] == "attack-pattern":
                objects.append(obj)
            if obj["type"] in ("identity", "marking-definition"):
                objects.append(obj)
            if sum(o["type"] == "attack-pattern" for o in objects) == 3:
                break
    path = tmp_path / "attack.json"
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": objects}, default=str))
    return path


def test_import_takes_tlp_so_attack_goes_in_clear(node: str, tmp_path: Path) -> None:
    path = _attack_sample(tmp_path)
    done = gotong(node, "import", str(path), "--org", "ThaiCERT", "--collection", REGIONAL, "--tlp", "clear")
    assert done.returncode == 0, done.stderr
    assert "unmarked objects marked TLP:CLEAR (--tlp)" in done.stderr
    exported = json.loads(
        ok(node, "export", "--org", "LaoCERT", "--collection", REGIONAL, "--ceiling", "clear")
    )
    techniques = [o for o in exported["objects"] if o["type"] == "attack-pattern"]
    assert len(techniques) == 3 and all(CLEAR in o["object_marking_refs"] for o in techniques)


def test_import_without_tlp_says_which_default_it_used(node: str, tmp_path: Path) -> None:
    path = _attack_sample(tmp_path)
    done = gotong(node, "import", str(path), "--org", "ThaiCERT", "--collection", REGIONAL)
    assert "unmarked objects marked TLP:AMBER (ThaiCERT's default)" in done.stderr
    public = json.loads(
        ok(node, "export", "--org", "LaoCERT", "--collection", REGIONAL, "--ceiling", "clear")
    )
    assert [o for o in public["objects"] if o["type"] == "attack-pattern"] == []
