"""What docs/cli.md promises, held to the tool: export of an unreadable collection, checkpoint
verification wording, collection readers in --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import fails, ok
from tests.helpers import indicator


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    ok(database_url, "group", "add", "mekong", "--members", "CamCERT,LaoCERT,ThaiCERT")
    ok(
        database_url,
        "collection",
        "add",
        "Mekong incidents",
        "--alias",
        "mekong",
        "--readers",
        "LaoCERT,ThaiCERT,CamCERT",
        "--writers",
        "ThaiCERT",
    )
    return database_url


def test_export_of_a_collection_the_organisation_may_not_read_is_an_error(node: str, tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    shared = indicator(tlp="green")
    path.write_text(json.dumps(shared))
    ok(node, "import", str(path), "--org", "ThaiCERT", "--collection", "mekong")
    line = fails(node, "export", "--org", "MyCERT", "--collection", "mekong")
    assert line == "Error: no collection 'mekong' that MyCERT may read"
    assert "MyCERT may read" in fails(
        node, "export", "--org", "MyCERT", "--collection", "mekong", "--format", "ip"
    )
    # Positive control: a reader of the collection gets the bundle.
    seen = json.loads(ok(node, "export", "--org", "LaoCERT", "--collection", "mekong"))["objects"]
    assert [o["id"] for o in seen] == [shared["id"]]


def test_collection_list_json_names_readers_and_writers(node: str) -> None:
    listed = {c["alias"]: c for c in json.loads(ok(node, "collection", "list", "--json"))}
    assert listed["mekong"]["readers"] == ["CamCERT", "LaoCERT", "ThaiCERT"]
    assert listed["mekong"]["writers"] == ["ThaiCERT"]
    assert listed["asean-regional"]["readers"] == "all" and listed["asean-regional"]["writers"] == "all"


def test_verify_checkpoint_says_which_key_it_checked_in_words(node: str, tmp_path: Path) -> None:
    signed = ok(node, "audit", "checkpoint")
    path = tmp_path / "checkpoint.json"
    path.write_text(signed)
    own = ok(node, "audit", "verify-checkpoint", str(path))
    assert "(only against the key written in the file; give --public-key to check who signed it)" in own
    key = json.loads(signed)["public_key"]
    trusted = ok(node, "audit", "verify-checkpoint", str(path), "--public-key", key)
    assert trusted.startswith("checkpoint verified (signed by the public key you trust); log intact with")
    for output in (own, trusted):
        assert "True" not in output and "False" not in output
    other = "A" * 43 + "="
    line = fails(node, "audit", "verify-checkpoint", str(path), "--public-key", other)
    assert line == (
        "Error: checkpoint does not match the log: "
        "the checkpoint was signed with a different key from the trusted public key"
    )
    assert "None" not in line
