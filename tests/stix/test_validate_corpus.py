"""Real published STIX 2.1 content must validate; the one known-broken OASIS example must not."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from gotong.stix.validate import validate_object

from .conftest import ATTACK_BUNDLE, KNOWN_INVALID, bundle_objects, example_files


def test_every_attack_enterprise_object_is_valid() -> None:
    objects = bundle_objects(ATTACK_BUNDLE)
    assert len(objects) == 24_771
    problems = Counter(f"{obj['type']}: {msg}" for obj in objects for msg in validate_object(obj))
    assert not problems, problems.most_common(10)


def test_attack_bundle_covers_the_kinds_we_care_about() -> None:
    kinds = Counter(obj["type"] for obj in bundle_objects(ATTACK_BUNDLE))
    for kind in (
        "attack-pattern",
        "malware",
        "tool",
        "intrusion-set",
        "campaign",
        "relationship",
        "identity",
        "marking-definition",
        "course-of-action",
        "x-mitre-tactic",
    ):
        assert kinds[kind] > 0, kind


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_oasis_examples_are_valid(path: Path) -> None:
    for obj in bundle_objects(path):
        assert validate_object(obj) == [], obj.get("id")


def test_examples_include_tlp2_markings_and_the_extension_definition() -> None:
    objects = [obj for path in example_files() for obj in bundle_objects(path)]
    tlp2 = [o for o in objects if o["type"] == "marking-definition" and "definition_type" not in o]
    assert {o["name"] for o in tlp2} >= {"TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"}
    assert any(o["type"] == "extension-definition" for o in objects)
    assert sum(1 for o in objects if o.get("spec_version") == "2.1") > 500


def test_the_broken_oasis_tlp2_example_is_rejected_for_its_timestamp() -> None:
    (path,) = KNOWN_INVALID
    verdicts = {obj["id"]: validate_object(obj) for obj in bundle_objects(path)}
    bad = {oid: msgs for oid, msgs in verdicts.items() if msgs}
    assert list(bad) == ["relationship--1621d4d4-b67d-11e3-9670-f01faf20d111"]
    (message,) = bad["relationship--1621d4d4-b67d-11e3-9670-f01faf20d111"]
    assert "'created'" in message and "2022-101-27T13:49:54.326Z" in message
