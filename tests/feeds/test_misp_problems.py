"""Only real losses are reported, one line each: PE and PE-section objects whose data misp-stix keeps
inside the file object are no "skipped" item, and PyMISP's multi-line
validation warnings never reach stderr (regressions of issue 12, item 6)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from pymisp import MISPEvent

from gotong.feeds.misp import misp_event_to_stix, read_misp_feed
from tests.conftest import SHARED_DATA

FEED = SHARED_DATA / "misp-feed-sample"
WITH_PE = ["5c066053-0e94-46eb-9746-4b7d950d210f", "5c0661f7-77a0-4ec9-bdcf-d447950d210f"]


def _objects_named(event: dict[str, Any], *names: str) -> list[dict[str, Any]]:
    return [o for o in event.get("Object", []) if o.get("name") in names]


def test_pe_objects_are_kept_not_reported_skipped() -> None:
    for event_uuid in WITH_PE:
        source = json.loads((FEED / f"{event_uuid}.json").read_text("utf-8"))
        pe = _objects_named(source["Event"], "pe", "pe-section")
        assert pe, "the sample's shape: PE objects under file objects"
        converted = misp_event_to_stix(source)
        assert converted.problems == []
        text = json.dumps(converted.objects)
        kept = [a["value"] for o in pe for a in o["Attribute"] if a["type"] in ("sha256", "text")]
        assert kept and all(json.dumps(v)[1:-1] in text for v in kept), "their data is in the file objects"


def test_the_one_real_loss_of_the_feed_is_one_line_and_stderr_stays_quiet(
    capfd: pytest.CaptureFixture[str],
) -> None:
    problems = [p for _, converted in read_misp_feed(FEED) for p in converted.problems]
    out, err = capfd.readouterr()
    assert (out, err) == ("", ""), "no raw PyMISP warning reaches the terminal"
    [problem] = problems  # the positive control: the broken ssdeep is still reported
    assert "(ssdeep)" in problem and "Invalid SSDeep hash" in problem and "\n" not in problem


# --- objects misp-stix folds into another ----------------------------------------------------------
# MISP's REST API (events/view, restSearch) gives each object reference the object it points to
# ({"Object": {"name": "pe", ...}}); only then does misp-stix fold a PE into its file's
# windows-pebinary-ext and a registry-key-value into its key's values, leaving no STIX object with the
# folded object's uuid. The feed files above carry no such stub, so misp-stix keeps them apart.

EVENT_UUID = "5f1c0b7e-4a2d-4c55-9d0e-2b7c3e9a1f60"


def _as_rest_api_gives_it(event: dict[str, Any]) -> dict[str, Any]:
    """The event with each object reference carrying the referenced object, as MISP's REST API has it."""
    event = json.loads(json.dumps(event))
    inner = event.get("Event", event)
    objects = {o["uuid"]: o for o in inner.get("Object", [])}
    for obj in objects.values():
        for reference in obj.get("ObjectReference", []):
            target = objects.get(reference["referenced_uuid"])
            if target is not None:
                reference["Object"] = {
                    "uuid": target["uuid"],
                    "name": target["name"],
                    "meta-category": target["meta-category"],
                    "distribution": target.get("distribution", "5"),
                }
    return event


def _folding_event(*, section_offset: str = "1000") -> dict[str, Any]:
    """A file with its PE and two sections, and a Run key with its value, made with PyMISP's object
    templates and linked as PyMISP's own PE tool links them (file includes pe, pe includes section)."""
    event = MISPEvent()
    event.uuid, event.info, event.timestamp = EVENT_UUID, "dropper", 1700000000
    event.date = date(2023, 11, 14)
    file = event.add_object(name="file")
    file.add_attribute("filename", "invoice.exe")
    file.add_attribute("sha256", "9f" * 32)
    pe = event.add_object(name="pe")
    for relation, value in PE_ATTRIBUTES:
        pe.add_attribute(relation, value)
    for name, entropy in ((".text", "6.20"), (".rdata", "4.5")):
        section = event.add_object(name="pe-section")
        section.add_attribute("name", name)
        section.add_attribute("size-in-bytes", "4096")
        section.add_attribute("entropy", entropy)
        section.add_attribute("md5", "c4" * 16)
        section.add_attribute("offset", section_offset)
        section.add_attribute("characteristic", "read,execute")
        pe.add_reference(section.uuid, "includes")
    file.add_reference(pe.uuid, "includes")
    key = event.add_object(name="registry-key")
    key.add_attribute("key", "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run")
    key.add_attribute("last-modified", "2023-01-02T03:04:05")
    run = event.add_object(name="registry-key-value")
    run.add_attribute("name", "Updater")
    run.add_attribute("data", "C:\\Users\\Public\\invoice.exe")
    run.add_attribute("data-type", "REG_SZ")
    key.add_reference(run.uuid, "contains")
    return _as_rest_api_gives_it({"Event": json.loads(event.to_json())})


PE_ATTRIBUTES = [
    ("type", "exe"),
    ("original-filename", "setup.exe"),
    ("internal-filename", "stub.exe"),
    ("imphash", "ab" * 16),
    ("number-sections", "2"),
    ("compilation-timestamp", "2018-11-20T10:11:12"),
    ("entrypoint-address", "4198400"),
    ("file-description", "Invoice viewer"),
    ("pdb", "C:\\build\\stub.pdb"),
]


def test_real_events_as_the_rest_api_gives_them_report_no_pe_skipped() -> None:
    sources = [FEED / f"{u}.json" for u in WITH_PE] + [
        SHARED_DATA / "PyMISP" / "tests" / "reportlab_testfiles" / f"mainly_objects_{n}.json" for n in (1, 2)
    ]
    for path in sources:
        source = _as_rest_api_gives_it(json.loads(path.read_text("utf-8")))
        inner = source.get("Event", source)
        assert _objects_named(inner, "pe-section") and any(
            "Object" in r for o in _objects_named(inner, "pe") for r in o["ObjectReference"]
        ), "the shape under test: PE objects whose references name what they point to"
        assert misp_event_to_stix(source).problems == [], path.name


def test_folded_pe_sections_and_registry_values_are_no_loss() -> None:
    source = _folding_event()
    converted = misp_event_to_stix(source)
    assert converted.problems == []
    [file] = [o for o in converted.objects if o["type"] == "file"]
    pe = file["extensions"]["windows-pebinary-ext"]
    assert pe["pe_type"] == "exe" and [s["name"] for s in pe["sections"]] == [".text", ".rdata"]
    [key] = [o for o in converted.objects if o["type"] == "windows-registry-key"]
    assert key["values"] == [
        {"name": "Updater", "data": "C:\\Users\\Public\\invoice.exe", "data_type": "REG_SZ"}
    ]
    ids = {o["id"].partition("--")[2] for o in converted.objects}
    folded = _objects_named(source["Event"], "pe", "pe-section", "registry-key-value")
    assert len(folded) == 4 and not ids & {o["uuid"] for o in folded}, "their uuids are gone: folded"


def test_an_attribute_lost_from_a_folded_object_is_reported_alone_on_one_line() -> None:
    # "0x1000" is no MISP hex (PyMISP wants hex digits only): PyMISP drops that one attribute, and the
    # rest of the section still goes into the file object
    converted = misp_event_to_stix(_folding_event(section_offset="0x1000"))
    assert len(converted.problems) == 2  # one per section
    for problem in converted.problems:
        assert "attribute " in problem and "(hex) of object " in problem and "(pe-section)" in problem
        assert "Failed validation" in problem and "0x1000" in problem and "\n" not in problem
    [file] = [o for o in converted.objects if o["type"] == "file"]
    assert len(file["extensions"]["windows-pebinary-ext"]["sections"]) == 2


def test_an_object_misp_stix_cannot_convert_is_still_reported() -> None:
    # the positive control: an x509 object with a date PyMISP cannot read leaves nothing behind
    source = _folding_event()
    broken = {
        "name": "x509",
        "meta-category": "network",
        "uuid": "0a4c3e1d-7b2f-4e8a-9c6d-5f1e2d3c4b5a",
        "timestamp": "1700000000",
        "Attribute": [
            {
                "uuid": "1b5d4f2e-8c3a-4f9b-8d7e-6a2f3e4d5c6b",
                "object_relation": "validity-not-before",
                "type": "datetime",
                "category": "Other",
                "value": "the day before yesterday",
            },
            {
                "uuid": "2c6e5a3f-9d4b-4a8c-9e8f-7b3a4f5e6d7c",
                "object_relation": "serial-number",
                "type": "text",
                "category": "Other",
                "value": "0x0badc0de",
            },
        ],
    }
    source["Event"]["Object"].append(broken)
    converted = misp_event_to_stix(source)
    [problem] = converted.problems
    assert problem.startswith(f"{EVENT_UUID}: object {broken['uuid']} (x509): ") and problem.endswith(
        "; skipped"
    )
    assert "not a valid datetime" in problem and "\n" not in problem
