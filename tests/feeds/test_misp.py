"""One MISP event to STIX 2.1: real CIRCL events from PyMISP and the MISP feed sample, some altered in
memory to carry what the samples lack (an attribute-level TLP, a sighting, a bad attribute)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from gotong.feeds import misp
from gotong.feeds.misp import Converted, misp_event_to_stix
from gotong.feeds.misp.event_checks import clean_event
from gotong.feeds.misp.event_to_stix import _valid_only
from gotong.stix.validate import validate_object
from tests.conftest import SHARED_DATA
from tests.helpers import TLP2

FEED = SHARED_DATA / "misp-feed-sample"
PYMISP_EVENTS = [
    *sorted((SHARED_DATA / "PyMISP" / "tests").rglob("*.json")),
    SHARED_DATA / "MISP/tests/event.json",
]
GALAXY_1 = SHARED_DATA / "PyMISP" / "tests" / "reportlab_testfiles" / "galaxy_1.json"
EXISTING = SHARED_DATA / "PyMISP" / "tests" / "mispevent_testfiles" / "existing_event.json"
XORIST = "57c4445b-c548-4654-af0b-4be3950d210f"  # "Ransomware - Xorist": 9 attributes, tlp:white
SEDNIT = "5a3c2fcd-8328-42bb-a95e-4f4402de0b81"  # "OSINT - Sednit update", 18 event tags
SCAN = "5a0d5bf4-99c8-4f15-9879-22b1950d210f"  # 128 attributes, most in file and ip-port objects
KIVARS = "57153590-f73c-49fa-be4b-4737950d210f"  # 370 attributes, one YARA and one Snort rule among them
MD5 = "57c4448b-454c-4d17-90d1-4d2f950d210f"  # an md5 attribute of XORIST (an indicator and an observable)


def _event(event_uuid: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((FEED / f"{event_uuid}.json").read_text("utf-8"))
    return event


def _attribute(event: dict[str, Any], attr_uuid: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in event["Event"]["Attribute"] if a["uuid"] == attr_uuid)
    return found


def _by_id(converted: Converted) -> dict[str, dict[str, Any]]:
    return {o["id"]: o for o in converted.objects}


def test_the_public_interface_is_pinned() -> None:
    assert sorted(misp.__all__) == ["Converted", "misp_event_to_stix", "read_misp_feed", "stix_to_misp_event"]


@pytest.mark.parametrize("path", PYMISP_EVENTS, ids=lambda p: p.name)
def test_pymisp_test_events_convert_to_valid_stix_without_exceptions(path: Path) -> None:
    event = json.loads(path.read_text("utf-8"))
    converted = misp_event_to_stix(event)
    assert converted.objects
    assert [o["id"] for o in converted.objects if validate_object(o)] == []
    assert len({o["id"] for o in converted.objects}) == len(converted.objects)
    # to_delete2 is the only one with an attribute that cannot be converted: a file object's ssdeep
    # value broken over three lines, which PyMISP refuses.
    expected = 1 if path.name == "to_delete2.json" else 0
    assert len(converted.problems) == expected, converted.problems
    times = _times(event)
    assert {o[p] for o in converted.objects for p in ("created", "modified") if p in o} <= times


def _times(event: Any) -> set[str]:
    """Every MISP timestamp anywhere in the event, as a STIX timestamp: the only times objects may carry."""
    if isinstance(event, list):
        return set().union(*(_times(x) for x in event)) if event else set()
    if not isinstance(event, dict):
        return set()
    found = {
        datetime.fromtimestamp(int(v), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        for k, v in event.items()
        if k in ("timestamp", "publish_timestamp", "date_sighting") and str(v).isdigit()
    }
    return found.union(*(_times(v) for v in event.values()))


def test_galaxy_clusters_become_threat_actor_malware_tool_and_attack_pattern_objects() -> None:
    sednit = misp_event_to_stix(json.loads(EXISTING.read_text("utf-8")))
    names = {
        (o["type"], o["name"]) for o in sednit.objects if o["type"] in {"threat-actor", "malware", "tool"}
    }
    assert ("threat-actor", "Sofacy") in names
    assert len(names) == 4
    galaxy = misp_event_to_stix(json.loads(GALAXY_1.read_text("utf-8")))
    counts = _count(galaxy.objects, {"attack-pattern", "malware", "intrusion-set", "course-of-action"})
    assert counts == {"attack-pattern": 2, "malware": 5, "intrusion-set": 2, "course-of-action": 1}


def test_galaxy_clusters_without_a_uuid_get_the_same_id_every_time() -> None:
    # galaxy_1.json has clusters whose uuid is "": misp-stix alone fails on the whole event.
    raw = json.loads(GALAXY_1.read_text("utf-8"))
    first, second = misp_event_to_stix(raw), misp_event_to_stix(copy.deepcopy(raw))
    assert orjson.dumps(first.objects) == orjson.dumps(second.objects)
    assert any(o["type"] == "attack-pattern" for o in first.objects)


def test_tlp_white_event_marks_every_object_tlp_clear_and_taxonomy_tags_become_labels() -> None:
    converted = misp_event_to_stix(_event(XORIST))
    assert len(converted.objects) == 28
    assert {tuple(o["object_marking_refs"]) for o in converted.objects} == {(TLP2["clear"],)}
    assert not any(o["type"] == "marking-definition" for o in converted.objects)
    report = _by_id(converted)[f"report--{XORIST}"]
    assert report["name"] == "Ransomware - Xorist"
    assert set(report["labels"]) >= {
        'circl:incident-classification="malware"',
        'ms-caro-malware:malware-type="Ransom"',
        'malware_classification:malware-category="Ransomware"',
    }
    assert not any(str(label).startswith("tlp:") for o in converted.objects for label in o.get("labels", []))


def test_sednit_event_keeps_its_workflow_and_galaxy_tags_as_labels() -> None:
    converted = misp_event_to_stix(_event(SEDNIT))
    grouping = _by_id(converted)[f"grouping--{SEDNIT}"]  # an unpublished event becomes a grouping
    assert 'misp-galaxy:threat-actor="Sofacy"' in grouping["labels"]
    assert 'workflow:state="incomplete"' in grouping["labels"]
    assert {tuple(o["object_marking_refs"]) for o in converted.objects} == {(TLP2["clear"],)}


def test_attribute_tlp_is_kept_on_everything_made_of_the_attribute_and_the_event_tlp_on_the_rest() -> None:
    event = _event(XORIST)
    event["Event"]["Tag"] = [{"name": "tlp:amber"}, {"name": 'rsit:malicious-code="ransomware"'}]
    _attribute(event, MD5)["Tag"] = [{"name": "tlp:red"}, {"name": 'rsit:malicious-code="ransomware"'}]
    converted = misp_event_to_stix(event)
    objects = _by_id(converted)
    red = {i for i, o in objects.items() if o["object_marking_refs"] == [TLP2["red"]]}
    # the indicator, the observed-data and the file observable of the md5, and the relationship
    # linking the indicator to its observed-data
    assert {i for i in red if MD5 in i} == {f"{t}--{MD5}" for t in ("indicator", "observed-data", "file")}
    assert len(red) == 4
    assert {tuple(o["object_marking_refs"]) for i, o in objects.items() if i not in red} == {(TLP2["amber"],)}
    assert 'rsit:malicious-code="ransomware"' in objects[f"indicator--{MD5}"]["labels"]
    assert 'rsit:malicious-code="ransomware"' in objects[f"report--{XORIST}"]["labels"]


def test_amber_strict_and_no_tlp_at_all() -> None:
    event = _event(XORIST)
    event["Event"]["Tag"] = [{"name": "tlp:amber+strict"}, {"name": "tlp:ex:chr"}, {"name": "PAP:AMBER"}]
    strict = misp_event_to_stix(event)
    assert {tuple(o["object_marking_refs"]) for o in strict.objects} == {(TLP2["amber+strict"],)}
    report = _by_id(strict)[f"report--{XORIST}"]
    assert {"tlp:ex:chr", "PAP:AMBER"} <= set(report["labels"])  # tags of no TLP level stay labels
    event["Event"]["Tag"] = []
    unmarked = misp_event_to_stix(event)
    assert not any("object_marking_refs" in o for o in unmarked.objects)  # the store's default TLP applies
    assert len(unmarked.objects) == 28


def test_sightings_are_kept_and_carry_the_tlp_of_what_they_sight() -> None:
    event = _event(XORIST)
    attribute = _attribute(event, MD5)
    attribute["Tag"] = [{"name": "tlp:green"}]
    sighting_org = {"name": "MyCERT", "uuid": "6c1e8a52-3f0b-4e1d-9a7c-2b5d8e4f1a63"}
    attribute["Sighting"] = [
        {"type": "0", "date_sighting": "1472600000", "source": "honeypot", "Organisation": sighting_org},
        {"type": "1", "date_sighting": "1472600100", "Organisation": sighting_org},  # a false positive
        {"type": "2", "date_sighting": "1472600200", "Organisation": sighting_org},  # an expiration
    ]
    converted = misp_event_to_stix(event)
    assert converted.problems == [
        f"{XORIST}: attribute {MD5} (md5): sighting #3: an expiration, which STIX has no form for; skipped"
    ]
    opinion = next(o for o in converted.objects if o["type"] == "opinion")
    assert (opinion["opinion"], opinion["object_marking_refs"]) == ("strongly-disagree", [TLP2["green"]])
    sightings = [o for o in converted.objects if o["type"] == "sighting"]
    assert len(sightings) == 1
    sighting = sightings[0]
    assert sighting["sighting_of_ref"] == f"indicator--{MD5}"
    assert sighting["where_sighted_refs"] == [f"identity--{sighting_org['uuid']}"]
    assert sighting["created"] == "2016-08-30T23:33:20.000Z"
    assert sighting["object_marking_refs"] == [TLP2["green"]]
    assert misp_event_to_stix(copy.deepcopy(event)).objects == converted.objects  # its derived uuid is stable


def test_unknown_attribute_type_is_reported_and_the_rest_of_the_event_kept() -> None:
    whole = misp_event_to_stix(_event(XORIST))
    event = _event(XORIST)
    _attribute(event, MD5)["type"] = "md5-but-not-quite"
    converted = misp_event_to_stix(event)
    assert converted.problems == [
        f"{XORIST}: attribute {MD5} (md5-but-not-quite): unknown MISP attribute type; skipped"
    ]
    assert {o["id"] for o in converted.objects} == _ids_without(whole.objects, MD5)
    assert len(converted.objects) == len(whole.objects) - 4  # indicator, observed-data, file, relationship


def test_a_value_misp_rejects_is_reported_with_misp_stix_reason() -> None:
    event = _event(XORIST)
    attribute = _attribute(event, MD5)
    attribute.update(type="ip-dst", category="Network activity", value="not-an-ip")
    converted = misp_event_to_stix(event)
    assert len(converted.problems) == 1
    assert converted.problems[0].startswith(f"{XORIST}: attribute {MD5} (ip-dst): Failed validation")
    assert "not-an-ip" in converted.problems[0]
    assert not any(MD5 in o["id"] for o in converted.objects)


def test_an_object_misp_stix_fails_on_costs_that_object_only() -> None:
    event = _event(SCAN)
    whole = misp_event_to_stix(event)
    broken = event["Event"]["Object"][0]
    broken["Attribute"][0]["object_relation"] = None  # misp-stix raises TypeError on the whole event
    converted = misp_event_to_stix(event)
    assert converted.problems[0].startswith(
        f"{SCAN}: object {broken['uuid']} (file): misp-stix could not convert it"
    )
    assert "TypeError" in converted.problems[0]
    assert {o["id"] for o in converted.objects} == _ids_without(whole.objects, broken["uuid"])


def test_a_yara_or_snort_rule_is_the_indicator_pattern_as_written_in_misp() -> None:
    event = _event(KIVARS)
    converted = _by_id(misp_event_to_stix(event))
    rules = [a for a in event["Event"]["Attribute"] if a["type"] in ("yara", "snort")]
    assert len(rules) == 2
    for rule in rules:
        indicator = converted[f"indicator--{rule['uuid']}"]
        assert (indicator["pattern_type"], indicator["pattern"]) == (rule["type"], rule["value"])


def test_deleted_attributes_are_not_imported() -> None:
    event = _event(XORIST)
    _attribute(event, MD5)["deleted"] = True
    converted = misp_event_to_stix(event)
    assert converted.problems == [f"{XORIST}: attribute {MD5} (md5): deleted in MISP; skipped"]
    assert not any(MD5 in o["id"] for o in converted.objects)


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        ([1, 2], "(no uuid): broken event: not a JSON object holding a MISP event; skipped"),
        ({"Event": {"info": "x"}}, "(no uuid): broken event: no valid 'uuid'; skipped"),
        (
            {"Event": {"uuid": XORIST, "info": "x"}},
            f"{XORIST}: broken event: no timestamp or date to version its objects by; skipped",
        ),
    ],
)
def test_a_broken_event_gives_a_problem_and_no_objects(event: Any, problem: str) -> None:
    assert misp_event_to_stix(event) == Converted(objects=[], problems=[problem])


def test_the_inner_event_converts_like_the_wrapped_one() -> None:
    event = _event(XORIST)
    assert misp_event_to_stix(event["Event"]) == misp_event_to_stix(event)


def test_an_object_that_fails_validation_is_dropped_with_whatever_needs_it() -> None:
    clean = clean_event(_event(XORIST))
    assert not isinstance(clean, str)
    objects = copy.deepcopy(misp_event_to_stix(_event(XORIST)).objects)
    file_sco = next(o for o in objects if o["id"] == f"file--{MD5}")
    file_sco["hashes"] = {"MD5": "not an md5"}
    problems: list[str] = []
    kept, reported = _valid_only(objects, clean, problems)
    # the file goes, and what cannot be without it: the observed-data that only lists it and the
    # relationship from the indicator to that observed-data; the indicator itself stays
    gone = {o["id"] for o in objects} - {o["id"] for o in kept}
    assert gone == {f"file--{MD5}", f"observed-data--{MD5}", *_ids_linking(objects, MD5)}
    assert MD5 in reported
    assert len(problems) == 3
    assert problems[0].startswith(f"{XORIST}: attribute {MD5} (md5): file--{MD5}: not valid STIX 2.1: ")
    assert problems[1] == (
        f"{XORIST}: attribute {MD5} (md5): observed-data--{MD5}: "
        "everything in its object_refs was left out; skipped"
    )
    assert all(not validate_object(o) for o in kept)
    report = next(o for o in kept if o["type"] == "report")
    assert f"file--{MD5}" not in report["object_refs"]


def _ids_without(objects: list[dict[str, Any]], item_uuid: str) -> set[str]:
    """The ids of the objects not made of a MISP item, nor linking to one."""
    return {
        o["id"]
        for o in objects
        if item_uuid not in o["id"] and item_uuid not in f"{o.get('source_ref')} {o.get('target_ref')}"
    }


def _ids_linking(objects: list[dict[str, Any]], item_uuid: str) -> set[str]:
    return {o["id"] for o in objects if o["type"] == "relationship" and item_uuid in o["target_ref"]}


def _count(objects: list[dict[str, Any]], types: set[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for obj in objects:
        if obj["type"] in types:
            counts[obj["type"]] = counts.get(obj["type"], 0) + 1
    return counts
