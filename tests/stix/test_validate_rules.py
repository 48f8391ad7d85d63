"""The validator's rules and the decisions behind them, one behaviour per test."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gotong.stix.validate import validate_object

from .test_validate_oracle import BASES, IDENTITY, LATER, TLP_GREEN, TS, oracle_valid

EXT_DEF = "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e"


def variant(base: str, /, **changes: Any) -> dict[str, Any]:
    obj = copy.deepcopy(BASES[base])
    for key, value in changes.items():
        if value is ...:
            obj.pop(key, None)
        else:
            obj[key] = value
    return obj


def only(messages: list[str]) -> str:
    assert len(messages) == 1, messages
    return messages[0]


# --- the messages others rely on ---------------------------------------------------------------------


def test_message_wording() -> None:
    assert only(validate_object(variant("indicator", valid_until="2024-03-01T10:00:00Z"))) == (
        "property 'valid_until' must be later than 'valid_from'"
    )
    assert only(validate_object(variant("indicator", pattern=...))) == "missing required property 'pattern'"
    assert (
        only(validate_object(variant("indicator", id="indicator--1234")))
        == "'id' must be 'indicator--<UUID>'"
    )
    assert only(validate_object(variant("indicator", pattern="[foo]"))).startswith(
        "property 'pattern' is not valid STIX 2.1 patterning: line 1:4"
    )


def test_every_problem_is_reported_not_just_the_first() -> None:
    messages = validate_object(
        variant("indicator", confidence=101, labels="x", modified="2020-01-01T00:00:00.000Z")
    )
    assert len(messages) == 3
    assert any("'confidence'" in m for m in messages) and any("'labels'" in m for m in messages)
    assert any("'modified' must be later than or equal to 'created'" in m for m in messages)


@pytest.mark.parametrize("thing", [None, [], "indicator", 5, 1.5, True, b"{}", ("type", "indicator")])
def test_non_objects_get_one_message(thing: object) -> None:
    assert only(validate_object(thing)).startswith("a STIX object must be a JSON object")


@pytest.mark.parametrize("kind", [None, 5, "", "ab", "Indicator", "x--y", "-x-y", "x-y-", "a" * 251])
def test_bad_types(kind: object) -> None:
    messages = validate_object({"type": kind, "id": "x"} if kind is not None else {"id": "x"})
    assert len(messages) == 1 and "'type'" in messages[0]


def test_unknown_types_need_x_prefix_or_a_new_object_extension() -> None:
    plain = {
        "type": "acme-widget",
        "spec_version": "2.1",
        "id": "acme-widget--3a0e8f1c-1b7a-4b9e-8d1e-2c7f1f8a9b10",
        "created": TS,
        "modified": LATER,
    }
    assert only(validate_object(plain)).startswith("unknown object type 'acme-widget'")
    assert only(
        validate_object({**plain, "extensions": {EXT_DEF: {"extension_type": "property-extension"}}})
    ).startswith("unknown object type")
    assert validate_object({**plain, "extensions": {EXT_DEF: {"extension_type": "new-sdo"}}}) == []
    new_sco = {
        "type": "acme-wallet",
        "id": "acme-wallet--3a0e8f1c-1b7a-4b9e-8d1e-2c7f1f8a9b10",
        "extensions": {EXT_DEF: {"extension_type": "new-sco"}},
    }
    assert validate_object(new_sco) == []
    assert any("not allowed on cyber-observable" in m for m in validate_object({**new_sco, "created": TS}))


def test_x_types_get_the_common_checks_of_their_kind() -> None:
    assert (
        validate_object({"type": "x-acme-thing", "id": "x-acme-thing--3a0e8f1c-1b7a-4b9e-8d1e-2c7f1f8a9b10"})
        == []
    )
    sdo_like = variant("x-custom", modified=...)
    assert only(validate_object(sdo_like)) == "missing required property 'modified'"
    assert any("'confidence'" in m for m in validate_object(variant("x-custom", confidence=1000)))


# --- timestamps ----------------------------------------------------------------------------------------


def test_created_and_modified_need_at_least_millisecond_precision() -> None:
    micro = "2024-03-01T10:00:00.123456Z"
    assert validate_object(variant("indicator", created=micro, modified=micro)) == []
    assert oracle_valid(variant("indicator", created=micro, modified=micro))
    assert "millisecond" in only(validate_object(variant("indicator", created="2024-03-01T10:00:00.12Z")))
    # Spec 3.2: created is a common property, so this also holds for marking definitions, although the
    # OASIS marking-definition schema does not check it.
    statement = variant("statement", created="2024-03-01T10:00:00Z")
    assert oracle_valid(statement)
    assert "millisecond" in only(validate_object(statement))


def test_other_timestamps_take_any_precision() -> None:
    assert validate_object(variant("indicator", valid_from="2024-03-01T10:00:00.5Z")) == []
    assert validate_object(variant("malware", first_seen="2024-03-01T10:00:00Z")) == []


def test_timestamp_comparisons_use_full_precision() -> None:
    obj = variant(
        "indicator", valid_from="2024-03-01T10:00:00.1234567Z", valid_until="2024-03-01T10:00:00.1234568Z"
    )
    assert validate_object(obj) == []
    obj["valid_until"] = "2024-03-01T10:00:00.12345670Z"  # the same instant written differently
    assert "later than 'valid_from'" in only(validate_object(obj))
    assert validate_object(variant("indicator", modified=TS)) == []  # modified == created is fine


def test_leap_seconds_are_timestamps() -> None:
    """RFC 3339 and the OASIS schema allow :60; stix2-validator's dateutil does not (not a STIX rule)."""
    assert validate_object(variant("malware", last_seen="2016-12-31T23:59:60Z", first_seen=...)) == []


def test_pe_time_date_stamp_is_whole_seconds() -> None:
    ext = {"windows-pebinary-ext": {"pe_type": "exe", "time_date_stamp": "2024-03-01T10:00:00.5Z"}}
    assert "whole seconds" in only(validate_object(variant("file", extensions=ext)))
    ext["windows-pebinary-ext"]["time_date_stamp"] = "2024-03-01T10:00:00Z"
    assert validate_object(variant("file", extensions=ext)) == []


# --- common properties by category ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "prop",
    [
        "created",
        "modified",
        "created_by_ref",
        "revoked",
        "labels",
        "confidence",
        "lang",
        "external_references",
    ],
)
def test_scos_refuse_sdo_only_common_properties(prop: str) -> None:
    value = copy.deepcopy(BASES["indicator"].get(prop, False))
    assert only(validate_object(variant("file", **{prop: value}))) == (
        f"property '{prop}' is not allowed on cyber-observable objects (SCOs)"
    )


def test_defanged_is_for_scos_only() -> None:
    assert validate_object(variant("ipv4-addr", defanged=True)) == []
    assert "not allowed on domain objects" in only(validate_object(variant("indicator", defanged=True)))


@pytest.mark.parametrize("prop", ["modified", "revoked", "labels", "confidence", "lang"])
def test_marking_definitions_refuse_versioning_properties(prop: str) -> None:
    value = {"modified": LATER, "revoked": False, "labels": ["x"], "confidence": 5, "lang": "en"}[prop]
    assert f"'{prop}' is not allowed on marking definitions" in only(
        validate_object(variant("statement", **{prop: value}))
    )


def test_spec_version_must_be_2_1() -> None:
    assert "'2.1'" in only(validate_object(variant("indicator", spec_version="2.0")))
    assert validate_object(variant("file", spec_version=...)) == []  # optional on SCOs
    assert "'2.1'" in only(validate_object(variant("file", spec_version="2.0")))


def test_reference_targets_are_checked_where_the_spec_fixes_them() -> None:
    malware = "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"
    assert "must refer to identity" in only(validate_object(variant("indicator", created_by_ref=malware)))
    assert "must refer to marking-definition" in only(
        validate_object(variant("indicator", object_marking_refs=[IDENTITY]))
    )
    assert "'malware'" in only(validate_object(variant("malware", sample_refs=[malware])))


def test_uuids() -> None:
    upper = "indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F"
    assert validate_object(variant("indicator", id=upper)) == []
    v1 = "indicator--1621d4d4-b67d-11e3-9670-f01faf20d111"
    assert validate_object(variant("indicator", id=v1)) == []
    for bad in (
        "indicator--018e2e2d-2b17-7d4c-bf93-8f98ee46b3cd",  # version 7: not RFC 4122
        "indicator--8e2e2d2b-17d4-4cbf-038f-98ee46b3cd3f",  # NCS variant
        "indicator--8e2e2d2b17d44cbf938f98ee46b3cd3f",
    ):
        assert only(validate_object(variant("indicator", id=bad))) == "'id' must be 'indicator--<UUID>'"


# --- custom properties -------------------------------------------------------------------------------


def test_unprefixed_custom_properties_are_accepted_when_well_named() -> None:
    """STIX 2.1 allows custom properties (x_ is only a SHOULD) and top-level property extensions."""
    obj = variant("indicator", acme_score=7, x_acme_tags=["a"], mitre_version="1.0")
    assert oracle_valid(obj)
    assert validate_object(obj) == []


@pytest.mark.parametrize(
    ("prop", "value", "expected"),
    [
        ("Acme", 1, "property name 'Acme'"),
        ("ab", 1, "property name 'ab'"),
        ("acme-score", 1, "property name 'acme-score'"),
        ("x_note", None, "must not be null"),
        ("x_tags", [], "must not be an empty list"),
        ("severity", "high", "reserved"),
        ("phone_numbers", ["1"], "reserved"),
        ("acme_ref", "Bob", "'acme_ref' must be an identifier"),
        (
            "acme_refs",
            ["identity--f431f809-377b-45e0-aa1c-6a4751cae5ff", 3],
            "'acme_refs[1]' must be an identifier",
        ),
    ],
)
def test_custom_property_rules(prop: str, value: Any, expected: str) -> None:
    assert expected in only(validate_object(variant("indicator", **{prop: value})))


def test_x_prefixed_refs_are_not_interpreted() -> None:
    """ATT&CK ships x_mitre_data_source_ref: '' — custom x_ properties mean what their owner says."""
    assert validate_object(variant("x-custom", x_mitre_data_source_ref="")) == []


def test_property_names_must_be_strings() -> None:
    obj: dict[Any, Any] = variant("indicator")
    obj[7] = "seven"
    assert "property names must be strings" in only(validate_object(obj))


# --- extensions ------------------------------------------------------------------------------------------


def test_extension_keys() -> None:
    assert (
        validate_object(
            variant("indicator", extensions={EXT_DEF: {"extension_type": "property-extension", "x": 1}})
        )
        == []
    )
    assert "nor predefined" in only(validate_object(variant("file", extensions={"x-acme-ext": {"a": 1}})))
    archive = {"archive-ext": {"contains_refs": ["file--364fe3e5-b1f4-5ba3-b951-ee5983b3538d"]}}
    assert validate_object(variant("file", extensions=archive)) == []
    assert "only defined for file" in only(validate_object(variant("indicator", extensions=archive)))
    assert "missing required property 'contains_refs'" in only(
        validate_object(variant("file", extensions={"archive-ext": {"comment": "zip"}}))
    )
    socket = {"socket-ext": {"address_family": "AF_INET9"}}
    assert "'extensions.socket-ext.address_family'" in only(
        validate_object(variant("network-traffic", extensions=socket))
    )


def test_toplevel_property_extension_definition_rules() -> None:
    ed = {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": EXT_DEF,
        "created": TS,
        "modified": TS,
        "created_by_ref": IDENTITY,
        "name": "Acme",
        "schema": "https://acme.example/schema",
        "version": "1.0",
        "extension_types": ["property-extension"],
    }
    assert validate_object(ed) == []
    assert "only allowed when 'extension_types' includes" in only(
        validate_object({**ed, "extension_properties": ["a"]})
    )
    assert only(validate_object({k: v for k, v in ed.items() if k != "created_by_ref"})) == (
        "missing required property 'created_by_ref'"
    )


# --- markings --------------------------------------------------------------------------------------------


def test_tlp1_objects_are_the_fixed_ones() -> None:
    assert validate_object(BASES["marking-definition"]) == []
    assert "'name'" in only(validate_object(variant("marking-definition", name="TLP:Green")))
    assert "'created'" in only(validate_object(variant("marking-definition", created=TS)))


def test_marking_definition_needs_a_definition_or_an_extension() -> None:
    bare = variant("statement", definition_type=..., definition=...)
    assert "needs at least one of 'definition_type', 'extensions'" in only(validate_object(bare))
    tlp2 = {
        **bare,
        "name": "TLP:CLEAR",
        "extensions": {
            "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                "extension_type": "property-extension",
                "tlp_2_0": "clear",
            }
        },
    }
    assert validate_object(tlp2) == []
    assert "'definition_type', 'definition' together" in only(
        validate_object({**tlp2, "definition_type": "statement"})
    )


def test_granular_markings_by_language_are_spec_valid() -> None:
    """STIX 2.1 7.2.3: marking_ref or lang. The OASIS schema wrongly insists on marking_ref."""
    obj = variant("indicator", granular_markings=[{"selectors": ["description"], "lang": "en"}])
    assert not oracle_valid(obj)
    assert validate_object(obj) == []
    both = variant(
        "indicator", granular_markings=[{"selectors": ["name"], "lang": "en", "marking_ref": TLP_GREEN}]
    )
    assert "exactly one of 'marking_ref', 'lang'" in only(validate_object(both))


def test_selectors_reach_into_lists_and_objects() -> None:
    marking = [
        {
            "selectors": ["kill_chain_phases.[0].phase_name", "external_references.[0]"],
            "marking_ref": TLP_GREEN,
        }
    ]
    assert validate_object(variant("indicator", granular_markings=marking)) == []
    marking[0]["selectors"] = ["kill_chain_phases.[3]"]
    assert "selects nothing" in only(validate_object(variant("indicator", granular_markings=marking)))


# --- per-type rules ---------------------------------------------------------------------------------------


def test_malware_family_needs_a_name() -> None:
    assert "has 'is_family' true so it also needs 'name'" in only(
        validate_object(variant("malware", name=...))
    )
    assert validate_object(variant("malware", name=..., is_family=False)) == []


def test_observed_data_takes_objects_or_object_refs() -> None:
    embedded = {"0": {"type": "ipv4-addr", "value": "198.51.100.7"}}
    assert validate_object(variant("observed-data", object_refs=..., objects=embedded)) == []
    assert "exactly one of 'objects', 'object_refs'" in only(
        validate_object(variant("observed-data", object_refs=...))
    )


def test_location_needs_somewhere() -> None:
    assert "at least one of 'region', 'country', 'latitude'" in only(
        validate_object(variant("location", region=..., latitude=..., longitude=..., precision=...))
    )
    assert "'latitude', 'longitude' together" in only(
        validate_object(variant("location", longitude=..., precision=...))
    )
    assert (
        validate_object(variant("location", latitude=..., longitude=..., precision=..., country="SG")) == []
    )


def test_artifact_and_file_and_traffic() -> None:
    url = variant("artifact", payload_bin=..., url="https://example.com/a.bin")
    assert "has 'url' so it also needs 'hashes'" in only(validate_object(url))
    assert validate_object({**url, "hashes": {"SHA-256": "a" * 64}}) == []
    assert "at least one of 'hashes', 'name'" in only(validate_object(variant("file", name=..., hashes=...)))
    assert "at least one of 'src_ref', 'dst_ref'" in only(
        validate_object(variant("network-traffic", src_ref=...))
    )
    assert validate_object(variant("ipv4-addr", value="10.0.0.0/8")) == []
    assert (
        validate_object(
            {
                "type": "ipv6-addr",
                "id": "ipv6-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
                "value": "2001:db8::/32",
            }
        )
        == []
    )


def test_other_pattern_types_are_not_parsed() -> None:
    snort = 'alert tcp any any -> any 80 (msg:"x"; sid:1;)'
    assert validate_object(variant("indicator", pattern_type="snort", pattern=snort)) == []
    assert validate_object(variant("indicator", pattern_type="acme-dsl", pattern="anything")) == []
    assert "'pattern'" in only(validate_object(variant("indicator", pattern=snort)))


def test_closed_enums_only() -> None:
    assert validate_object(variant("indicator", indicator_types=["acme-specific"])) == []  # open vocabulary
    assert validate_object(variant("grouping", context="acme-context")) == []  # open vocabulary
    assert "must be one of" in only(validate_object(variant("opinion", opinion="maybe")))  # closed enum


def test_a_marking_definition_cannot_mark_itself() -> None:
    own = BASES["statement"]["id"]
    assert "itself" in only(validate_object(variant("statement", object_marking_refs=[own])))
    marking = [{"selectors": ["definition"], "marking_ref": own}]
    assert "itself" in only(validate_object(variant("statement", granular_markings=marking)))
    by_lang = variant("indicator", id=..., granular_markings=[{"selectors": ["name"], "lang": "en"}])
    assert only(validate_object(by_lang)) == "missing required property 'id'"


def test_bundles_are_not_objects() -> None:
    bundle = {"type": "bundle", "id": "bundle--d6e3c0b4-f916-4d15-a01f-e3761c5f48ac", "objects": []}
    assert "validate each of its 'objects'" in only(validate_object(bundle))
