"""The files analysts actually have: MISP's REST output, TAXII envelopes saved with curl, MISP events
given to 'gotong import'; anything else is refused in one line that says what the file looks like and
what takes it (regressions of issue 12, item 5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gotong.errors import Invalid
from gotong.feeds.service import misp_events, sniff
from tests.cli.test_cli import fails, gotong, ok
from tests.conftest import SHARED_DATA
from tests.helpers import REGIONAL, indicator

FEED = SHARED_DATA / "misp-feed-sample"
EXISTING = SHARED_DATA / "PyMISP" / "tests" / "mispevent_testfiles" / "existing_event.json"
SMALL = ["5c066053-0e94-46eb-9746-4b7d950d210f", "5acc88e9-265c-4f22-9d2b-b702950d210f"]


@pytest.fixture
def node(database_url: str) -> str:
    ok(database_url, "init", "--preset", "asean")
    return database_url


def _rest_output(tmp_path: Path) -> Path:
    """What MISP's events/restSearch answers: {"response": [{"Event": ...}, ...]}."""
    events = [json.loads((FEED / f"{u}.json").read_text("utf-8")) for u in SMALL]
    path = tmp_path / "rest.json"
    path.write_text(json.dumps({"response": events}))
    return path


def _ids(node: str, org: str = "LaoCERT") -> set[str]:
    bundle = json.loads(ok(node, "export", "--org", org, "--collection", REGIONAL, "--include-expired"))
    return {o["id"] for o in bundle["objects"]}


def test_misp_rest_output_goes_in_through_feed_import_and_import(node: str, tmp_path: Path) -> None:
    path = _rest_output(tmp_path)
    done = gotong(node, "feed", "import", str(path), "--format", "misp-event", "--org", "MyCERT")
    assert "broken event" not in done.stderr
    reports = [i for i in _ids(node) if i.startswith(("report--", "grouping--"))]
    assert {r.partition("--")[2] for r in reports} == set(SMALL), "both events of the response"
    again = gotong(node, "import", str(path), "--org", "MyCERT", "--collection", REGIONAL)
    assert "0 accepted" in again.stderr and "already present" in again.stderr, again.stderr


def test_a_misp_event_given_to_import_is_converted(node: str) -> None:
    done = gotong(node, "import", str(EXISTING), "--org", "ThaiCERT", "--collection", REGIONAL)
    assert "missing required property 'type'" not in done.stderr
    assert (
        "accepted" in done.stderr and "unmarked entries marked TLP:AMBER (ThaiCERT's default)" in done.stderr
    )
    event_uuid = json.loads(EXISTING.read_text("utf-8"))["uuid"]
    assert any(event_uuid in i for i in _ids(node, "ThaiCERT"))


def test_a_taxii_envelope_saved_with_curl_imports(node: str, tmp_path: Path) -> None:
    first, second = indicator(value="env-one.example"), indicator(value="env-two.example")
    path = tmp_path / "envelope.json"
    path.write_text(json.dumps({"more": False, "objects": [first, second]}))  # no "type": not a bundle
    done = gotong(node, "import", str(path), "--org", "ThaiCERT", "--collection", REGIONAL)
    assert done.returncode == 0 and "2 accepted" in done.stderr, done.stderr
    assert {first["id"], second["id"]} <= _ids(node)


def test_anything_else_is_refused_in_one_line_that_names_what_would_take_it(
    node: str, tmp_path: Path
) -> None:
    line = fails(node, "import", str(FEED / "manifest.json"), "--org", "ThaiCERT")
    assert "MISP feed's manifest.json" in line and "--format misp-feed" in line
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps({"type": "bundle", "id": "bundle--1", "objects": [indicator()]}))
    line = fails(node, "feed", "import", str(bundle), "--format", "misp-event", "--org", "ThaiCERT")
    assert "STIX bundle" in line and "gotong import" in line
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"hello": "world"}))
    line = fails(node, "import", str(other), "--org", "ThaiCERT")
    assert "keys hello" in line and "neither STIX nor a MISP event" in line


def test_what_a_document_is_read_from_its_shape(tmp_path: Path) -> None:
    event: dict[str, Any] = json.loads((FEED / f"{SMALL[0]}.json").read_text("utf-8"))
    assert misp_events({"response": [event]}, "x") == [event]
    assert misp_events(event, "x") == [event] and misp_events(event["Event"], "x") == [event["Event"]]
    with pytest.raises(Invalid, match="STIX bundle"):
        misp_events({"type": "bundle", "objects": []}, "x")
    for name, content, expected in [
        ("a.json", {"type": "bundle", "id": "bundle--1", "objects": []}, "stix"),
        ("b.json", {"objects": []}, "stix"),
        ("c.json", [indicator()], "stix"),
        ("d.json", {"response": []}, "misp-event"),
        ("e.json", event, "misp-event"),
    ]:
        path = tmp_path / name
        path.write_text(json.dumps(content))
        assert sniff(path) == expected, name
    text = tmp_path / "list.txt"
    text.write_text("198.51.100.1\n")
    with pytest.raises(Invalid, match="feed import --format"):
        sniff(text)
