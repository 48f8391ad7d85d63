"""stix2-validator (OASIS) as the oracle: whatever it rejects for a standard-content reason, we reject too.

Each base object below is valid for both.  Every mutation (dropping each property in turn, and the
targeted breakages in MUTATIONS) is its own test case: when the oracle calls the variant invalid, our
validator must return at least one message, and that message must name the property concerned.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from stix2validator import ValidationOptions, validate_instance
from stix2validator.errors import ValidationError

from gotong.stix.validate import validate_object

IDENTITY = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"
TLP_GREEN = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
TS = "2024-03-01T10:00:00.000Z"
LATER = "2024-03-02T11:30:00.123Z"


def _sdo(kind: str, uid: str, **props: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--{uid}",
        "created": TS,
        "modified": LATER,
        "created_by_ref": IDENTITY,
        "object_marking_refs": [TLP_GREEN],
        **props,
    }


def _sco(kind: str, uid: str, **props: Any) -> dict[str, Any]:
    return {"type": kind, "spec_version": "2.1", "id": f"{kind}--{uid}", **props}


BASES: dict[str, dict[str, Any]] = {
    "indicator": _sdo(
        "indicator",
        "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        name="C2 address",
        indicator_types=["malicious-activity"],
        pattern="[ipv4-addr:value = '198.51.100.7']",
        pattern_type="stix",
        valid_from="2024-03-01T10:00:00Z",
        valid_until="2025-03-01T10:00:00Z",
        confidence=80,
        labels=["c2"],
        lang="en",
        kill_chain_phases=[{"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": "c2"}],
        external_references=[
            {"source_name": "capec", "external_id": "CAPEC-163", "url": "https://capec.mitre.org/"}
        ],
        granular_markings=[{"selectors": ["description"], "marking_ref": TLP_GREEN}],
        description="Seen in a phish.",
    ),
    "malware": _sdo(
        "malware",
        "0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
        name="Emotet",
        is_family=True,
        malware_types=["trojan"],
        first_seen=TS,
        last_seen=LATER,
        revoked=False,
    ),
    "relationship": _sdo(
        "relationship",
        "44298a74-ba52-4f0c-87a3-1824e67d7fad",
        relationship_type="indicates",
        source_ref="indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        target_ref="malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
        start_time=TS,
        stop_time=LATER,
    ),
    "sighting": _sdo(
        "sighting",
        "ee20065d-2555-424f-ad9e-0f8428623c75",
        count=3,
        first_seen=TS,
        last_seen=LATER,
        sighting_of_ref="indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        where_sighted_refs=[IDENTITY],
        observed_data_refs=["observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf"],
    ),
    "observed-data": _sdo(
        "observed-data",
        "b67d30ff-02ac-498a-92f9-32f845f448cf",
        first_observed=TS,
        last_observed=LATER,
        number_observed=5,
        object_refs=["ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"],
    ),
    "report": _sdo(
        "report",
        "84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
        name="Campaign X",
        published=LATER,
        report_types=["campaign"],
        object_refs=["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"],
    ),
    "identity": _sdo(
        "identity",
        "023d105b-752e-4e3c-941c-7d3f3cb15e9e",
        name="CERT-XX",
        identity_class="organization",
        sectors=["government"],
    ),
    "location": _sdo(
        "location",
        "a6e9345f-5a15-4c29-8bb3-7dcc5d168d64",
        region="south-eastern-asia",
        latitude=1.29,
        longitude=103.85,
        precision=100.0,
    ),
    "opinion": _sdo(
        "opinion",
        "b01efc25-77b4-4003-b18b-f6e24b5cd9f7",
        opinion="agree",
        object_refs=["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"],
    ),
    "grouping": _sdo(
        "grouping",
        "84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb4",
        context="suspicious-activity",
        object_refs=["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"],
    ),
    "marking-definition": {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP_GREEN,
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "name": "TLP:GREEN",
        "definition": {"tlp": "green"},
    },
    "statement": {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--d81f86b9-975b-4c0b-875e-810c5ad45a4f",
        "created": TS,
        "definition_type": "statement",
        "definition": {"statement": "Copyright CERT-XX"},
    },
    "file": _sco(
        "file",
        "364fe3e5-b1f4-5ba3-b951-ee5983b3538d",
        name="resume.pdf",
        size=83968,
        hashes={"MD5": "1717b7fff97d37a1e1a0029d83492de1"},
    ),
    "ipv4-addr": _sco("ipv4-addr", "ff26c055-6336-5bc5-b98d-13d6226742dd", value="198.51.100.7"),
    "network-traffic": _sco(
        "network-traffic",
        "2568d22a-8998-58eb-99ec-3c8ca74f527d",
        protocols=["tcp"],
        src_ref="ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
        dst_port=443,
        is_active=False,
        start=TS,
        end=LATER,
    ),
    "artifact": _sco(
        "artifact", "6f437177-6e48-5cf8-9d9e-872a2bddd641", payload_bin="aGVsbG8=", mime_type="text/plain"
    ),
    "email-message": _sco(
        "email-message",
        "72b7698f-10c2-565a-a2a6-b4996a2f2265",
        is_multipart=False,
        subject="Invoice",
        body="see attachment",
    ),
    "x-custom": {
        "type": "x-acme-widget",
        "spec_version": "2.1",
        "id": "x-acme-widget--3a0e8f1c-1b7a-4b9e-8d1e-2c7f1f8a9b10",
        "created": TS,
        "modified": LATER,
        "x_acme_colour": "red",
    },
}

REF = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
Mutation = tuple[str, str, Callable[[dict[str, Any]], None]]  # (case id, property it concerns, change)


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda obj: obj.__setitem__(key, value)


ANY_OBJECT: list[tuple[str, str, Any]] = [  # (case id, property, new value), applied to every base object
    ("id-other-type", "id", "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
    ("id-not-uuid", "id", "indicator--not-a-uuid"),
    ("type-uppercase", "type", "Indicator"),
    ("spec_version-number", "spec_version", 2.1),
    ("granular-no-marking", "granular_markings", [{"selectors": ["id"]}]),
    ("granular-no-selectors", "granular_markings", [{"selectors": [], "marking_ref": TLP_GREEN}]),
    (
        "granular-bad-selector",
        "granular_markings",
        [{"selectors": ["no_such_prop"], "marking_ref": TLP_GREEN}],
    ),
    ("omr-not-id", "object_marking_refs", ["tlp-green"]),
    ("omr-empty", "object_marking_refs", []),
    ("reserved-severity", "severity", "high"),
    ("custom-null", "x_acme_note", None),
    ("custom-empty-list", "x_acme_list", []),
    ("custom-bad-name", "X-Acme", 1),
    ("extensions-empty", "extensions", {}),
    ("extensions-bad-key", "extensions", {"x-acme": {"a": 1}}),
    (
        "extension-no-type",
        "extensions",
        {"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {"rank": 5}},
    ),
    (
        "extension-bad-type",
        "extensions",
        {"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {"extension_type": "new-thing"}},
    ),
]
SDO_ONLY: list[tuple[str, str, Any]] = [
    ("created-bad-month", "created", "2024-13-01T10:00:00.000Z"),
    ("created-feb-30", "created", "2024-02-30T10:00:00.000Z"),
    ("created-no-millis", "created", "2024-03-01T10:00:00Z"),
    ("created-one-digit", "created", "2024-03-01T10:00:00.1Z"),
    ("created-offset", "created", "2024-03-01T10:00:00.000+01:00"),
    ("modified-before-created", "modified", "2024-02-01T10:00:00.000Z"),
    ("modified-number", "modified", 1709287200),
    ("confidence-101", "confidence", 101),
    ("confidence-negative", "confidence", -1),
    ("confidence-string", "confidence", "80"),
    ("confidence-bool", "confidence", True),
    ("revoked-string", "revoked", "false"),
    ("labels-string", "labels", "c2"),
    ("labels-empty", "labels", []),
    ("labels-numbers", "labels", [1, 2]),
    ("lang-word", "lang", "english"),
    ("created_by_ref-not-id", "created_by_ref", "CERT-XX"),
    ("external_references-empty", "external_references", []),
    ("external_references-no-source", "external_references", [{"url": "https://example.com"}]),
    ("external_references-only-source", "external_references", [{"source_name": "acme"}]),
    (
        "external_references-bad-capec",
        "external_references",
        [{"source_name": "capec", "external_id": "163"}],
    ),
    (
        "external_references-bad-cve",
        "external_references",
        [{"source_name": "cve", "external_id": "CVE-21-1"}],
    ),
    (
        "external_references-bad-md5",
        "external_references",
        [{"source_name": "acme", "url": "https://example.com", "hashes": {"MD5": "xyz"}}],
    ),
]
BY_TYPE: dict[str, list[tuple[str, str, Any]]] = {
    "indicator": [
        ("pattern-garbage", "pattern", "[foo]"),
        ("pattern-unclosed", "pattern", "[ipv4-addr:value = '1.2.3.4'"),
        ("pattern-bad-md5", "pattern", "[file:hashes.MD5 = 'abc']"),
        ("pattern-two-within", "pattern", "[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS"),
        ("pattern-not-string", "pattern", ["[ipv4-addr:value = '1.2.3.4']"]),
        ("pattern_type-number", "pattern_type", 1),
        ("valid_until-equal", "valid_until", "2024-03-01T10:00:00Z"),
        ("valid_until-before", "valid_until", "2023-03-01T10:00:00Z"),
        ("valid_from-date-only", "valid_from", "2024-03-01"),
        (
            "kill_chain-no-phase",
            "kill_chain_phases",
            [{"kill_chain_name": "lockheed-martin-cyber-kill-chain"}],
        ),
        ("indicator_types-string", "indicator_types", "malicious-activity"),
        ("name-number", "name", 7),
    ],
    "malware": [
        ("is_family-string", "is_family", "yes"),
        ("last_seen-before-first", "last_seen", "2023-01-01T00:00:00Z"),
        ("aliases-empty", "aliases", []),
    ],
    "relationship": [
        ("relationship_type-upper", "relationship_type", "Indicates"),
        ("source_ref-sighting", "source_ref", "sighting--ee20065d-2555-424f-ad9e-0f8428623c75"),
        ("target_ref-bundle", "target_ref", "bundle--ee20065d-2555-424f-ad9e-0f8428623c75"),
        ("stop_time-before", "stop_time", "2023-01-01T00:00:00Z"),
    ],
    "sighting": [
        ("count-negative", "count", -1),
        ("count-too-big", "count", 1_000_000_000),
        ("where_sighted-indicator", "where_sighted_refs", [REF]),
        ("observed_data_refs-indicator", "observed_data_refs", [REF]),
        (
            "sighting_of_ref-relationship",
            "sighting_of_ref",
            "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
        ),
        ("last_seen-before-first", "last_seen", "2023-01-01T00:00:00Z"),
        ("summary-string", "summary", "no"),
    ],
    "observed-data": [
        ("number_observed-zero", "number_observed", 0),
        ("number_observed-too-big", "number_observed", 1_000_000_000),
        ("objects-and-refs", "objects", {"0": {"type": "ipv4-addr", "value": "198.51.100.7"}}),
        ("last_observed-before", "last_observed", "2023-01-01T00:00:00Z"),
        ("object_refs-sdo", "object_refs", [REF]),
    ],
    "report": [("published-bad", "published", "yesterday"), ("object_refs-empty", "object_refs", [])],
    "identity": [("name-list", "name", ["CERT-XX"]), ("sectors-string", "sectors", "government")],
    "location": [("latitude-91", "latitude", 91), ("longitude-string", "longitude", "103.85")],
    "opinion": [("opinion-maybe", "opinion", "maybe")],
    "grouping": [("context-number", "context", 3)],
    "marking-definition": [
        ("tlp-colour", "definition", {"tlp": "purple"}),
        ("tlp-wrong-id", "id", "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"),
        ("definition_type-tlp-statement", "definition", {"statement": "x"}),
    ],
    "statement": [("statement-number", "definition", {"statement": 5})],
    "file": [
        ("size-negative", "size", -1),
        ("hashes-bad-md5", "hashes", {"MD5": "xyz"}),
        ("hashes-bad-sha256", "hashes", {"SHA-256": "00"}),
        ("parent_directory_ref-not-id", "parent_directory_ref", "C:\\"),
        ("ctime-bad", "ctime", "2024-03-01 10:00:00"),
    ],
    "ipv4-addr": [("value-bad", "value", "999.1.1.1"), ("value-number", "value", 3232235777)],
    "network-traffic": [
        ("dst_port-too-big", "dst_port", 70000),
        ("protocols-string", "protocols", "tcp"),
        ("active-with-end", "is_active", True),
        ("end-before-start", "end", "2023-01-01T00:00:00Z"),
    ],
    "artifact": [
        ("payload-and-url", "url", "https://example.com/a.bin"),
        ("payload-not-base64", "payload_bin", "not base64!"),
        ("encryption-unknown", "encryption_algorithm", "rot13"),
        ("key-without-algorithm", "decryption_key", "secret"),
    ],
    "email-message": [("is_multipart-string", "is_multipart", "no"), ("date-bad", "date", "Mon, 1 Jan 2024")],
}


def _mutations(name: str, base: dict[str, Any]) -> list[Mutation]:
    out: list[Mutation] = [(f"drop-{key}", key, lambda obj, k=key: obj.pop(k)) for key in base]  # type: ignore[misc]
    table = ANY_OBJECT + (SDO_ONLY if "created" in base and base["type"] != "marking-definition" else [])
    out += [(case, prop, _set(prop, value)) for case, prop, value in table + BY_TYPE.get(name, [])]
    return out


CASES = [
    pytest.param(name, prop, change, id=f"{name}-{case}")
    for name, base in BASES.items()
    for case, prop, change in _mutations(name, base)
]
OPTIONS = ValidationOptions(version="2.1")


def oracle_valid(obj: dict[str, Any]) -> bool:
    return _oracle_valid(json.dumps(obj, sort_keys=True))


@cache
def _oracle_valid(document: str) -> bool:
    obj = json.loads(document)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return bool(validate_instance(obj, OPTIONS).is_valid)
        except (
            ValidationError,
            ValueError,
            TypeError,
            AttributeError,
            KeyError,
        ):  # it trips on some bad input
            return False


@pytest.mark.parametrize("name", list(BASES))
def test_base_objects_are_valid_for_both(name: str) -> None:
    assert oracle_valid(BASES[name])
    assert validate_object(BASES[name]) == []


@pytest.mark.parametrize(("name", "prop", "change"), CASES)
def test_what_the_oracle_rejects_we_reject(
    name: str, prop: str, change: Callable[[dict[str, Any]], None]
) -> None:
    obj = copy.deepcopy(BASES[name])
    change(obj)
    if oracle_valid(obj):
        pytest.skip("stix2-validator accepts this variant")
    messages = validate_object(obj)
    assert messages, "stix2-validator rejects this, we accepted it"
    assert any(f"'{prop}" in m or f"{prop!r}" in m for m in messages), messages


def test_most_mutations_are_rejected_by_the_oracle() -> None:
    """Guard against the oracle silently accepting everything (which would make the cases above vacuous)."""
    rejected = 0
    for name, base in BASES.items():
        for _case, _prop, change in _mutations(name, base):
            obj = copy.deepcopy(base)
            change(obj)
            rejected += not oracle_valid(obj)
    assert rejected >= 150
