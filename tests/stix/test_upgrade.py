"""STIX 2.0 to 2.1: real OASIS 2.0 examples, and 2.0 observed data written after the 2.0 spec's examples.

The real 2.0 data are the OASIS examples that ship with stix2-validator (schemas-2.0/examples); OASIS's own
2.1 editions of the same examples are in <repo>/../shared/data/cti-stix2-json-schemas/examples.  The
python-stix2 library computes the 2.1 SCO identifiers we compare ours with.
"""

from __future__ import annotations

import copy
import json
import uuid
import warnings
from pathlib import Path
from typing import Any

import pytest
import stix2
import stix2validator
from hypothesis import given
from hypothesis import strategies as st
from stix2.canonicalization.Canonicalize import canonicalize
from stix2validator import ValidationOptions, validate_instance

from gotong.stix import upgrade as upgrade_module
from gotong.stix.upgrade import SCO_NAMESPACE, Problem, sco_id, upgrade, upgrade_object
from gotong.stix.validate import validate_object
from tests.stix.conftest import DATA

EXAMPLES_20 = Path(stix2validator.__file__).parent / "schemas-2.0" / "examples"
EXAMPLES_21 = DATA / "cti-stix2-json-schemas" / "examples"
REAL_20 = sorted(p.relative_to(EXAMPLES_20) for p in EXAMPLES_20.rglob("*.json"))
TLP_GREEN = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
TLP_RED = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
IDENTITY = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"
TS = "2016-04-06T19:58:16.000Z"


def oasis_valid(objects: list[dict[str, Any]]) -> bool:
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bool(validate_instance(bundle, ValidationOptions(version="2.1")).is_valid)


def observed(objects: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A STIX 2.0 observed-data object (no spec_version, an embedded observable container)."""
    return {
        "type": "observed-data",
        "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
        "created_by_ref": IDENTITY,
        "created": TS,
        "modified": TS,
        "first_observed": "2015-12-21T19:00:00Z",
        "last_observed": "2015-12-21T19:00:00.123456Z",
        "number_observed": 50,
        "objects": objects,
        **extra,
    }


def by_type(objects: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        out.setdefault(obj["type"], []).append(obj)
    return out


def test_public_interface() -> None:
    assert upgrade_module.__all__ == [
        "SCO_NAMESPACE",
        "Problem",
        "Upgraded",
        "sco_id",
        "upgrade",
        "upgrade_object",
    ]
    assert str(SCO_NAMESPACE) == "00abedb4-aa42-466c-9c01-fed23315a9b7"


# --- real data -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", REAL_20, ids=[p.stem for p in REAL_20])
def test_oasis_20_examples_upgrade_to_valid_21(name: Path) -> None:
    source = json.loads((EXAMPLES_20 / name).read_text("utf-8"))
    assert source["spec_version"] == "2.0"
    result = upgrade(source)
    assert result.problems == []
    assert result.upgraded == len(source["objects"]) == len(result.objects)
    assert [o["id"] for o in result.objects] == [o["id"] for o in source["objects"]]
    assert all(o["spec_version"] == "2.1" for o in result.objects)
    assert {o["id"]: validate_object(o) for o in result.objects if validate_object(o)} == {}
    assert oasis_valid(result.objects)
    bundle = result.bundle()
    assert bundle["id"] == source["id"] and "spec_version" not in bundle
    assert upgrade(source) == result, "the upgrade is a function of its input"


@pytest.mark.parametrize("name", REAL_20, ids=[p.stem for p in REAL_20])
def test_oasis_20_examples_upgrade_as_oasis_did_by_hand(name: Path) -> None:
    """OASIS upgraded these examples to 2.1 by hand; ours differs only where OASIS added content."""
    ours = {o["id"]: o for o in upgrade(json.loads((EXAMPLES_20 / name).read_text("utf-8"))).objects}
    theirs = {o["id"]: o for o in json.loads((EXAMPLES_21 / name).read_text("utf-8"))["objects"]}
    assert ours.keys() == theirs.keys()
    differences = {
        (ours[i]["type"], prop)
        for i in ours
        for prop in ours[i].keys() | theirs[i].keys()
        if ours[i].get(prop) != theirs[i].get(prop)
    }
    # OASIS wrote new names and descriptions, dropped one marking, and judged some malware to be
    # families; a 2.0 object does not say, so the upgrade keeps is_family false.
    assert differences <= {
        ("indicator", "description"),
        ("indicator", "name"),
        ("malware", "is_family"),
        ("identity", "object_marking_refs"),
    }
    assert all(not o["is_family"] for o in ours.values() if o["type"] == "malware")


def test_labels_from_the_20_vocabulary_become_types() -> None:
    poisonivy = upgrade(json.loads((EXAMPLES_20 / "threat-reports" / "poisonivy.json").read_text("utf-8")))
    objects = by_type(poisonivy.objects)
    assert all("labels" not in o for kind in ("indicator", "malware", "report") for o in objects[kind])
    assert {t for o in objects["malware"] for t in o["malware_types"]} == {"remote-access-trojan"}
    assert objects["report"][0]["report_types"] == ["threat-report", "malware"]
    assert {o["pattern_type"] for o in objects["indicator"]} == {"stix"}


# --- SDOs, SROs, markings --------------------------------------------------------------------------------


def test_labels_outside_the_vocabulary_stay_labels_and_markings_follow_them() -> None:
    actor = {
        "type": "threat-actor",
        "id": "threat-actor--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": TS,
        "modified": TS,
        "name": "Disco Team",
        "labels": ["apt", "crime-syndicate", "regional", "criminal"],
        "granular_markings": [
            {"marking_ref": TLP_RED, "selectors": ["labels.[1]", "labels.[2]"]},
            {"marking_ref": TLP_GREEN, "selectors": ["labels"]},
        ],
    }
    [out] = upgrade_object(actor).objects
    assert out["threat_actor_types"] == ["crime-syndicate", "criminal"]
    assert out["labels"] == ["apt", "regional"]
    assert out["granular_markings"] == [
        {"marking_ref": TLP_RED, "selectors": ["threat_actor_types.[0]", "labels.[1]"]},
        {"marking_ref": TLP_GREEN, "selectors": ["threat_actor_types", "labels"]},
    ]
    assert validate_object(out) == [] and oasis_valid([out])


def test_indicator_malware_tool_and_markings() -> None:
    indicator = {
        "type": "indicator",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": TS,
        "modified": "2016-04-06T19:58:16.123456Z",
        "labels": ["malicious-activity"],
        "pattern": "[file:hashes.MD5 = 'b365af00a1e4f1a6a2ad5fb1dbe7a18b']",
        "valid_from": "2016-01-01T00:00:00Z",
        "object_marking_refs": [TLP_GREEN],
    }
    malware = {
        "type": "malware",
        "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
        "created": TS,
        "modified": TS,
        "name": "Cryptolocker",
        "labels": ["ransomware"],
    }
    tool = {
        **malware,
        "type": "tool",
        "id": "tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "labels": ["fuzzer"],
    }
    tlp = {
        "type": "marking-definition",
        "id": TLP_GREEN,
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "definition": {"tlp": "green"},
    }
    result = upgrade(
        {
            "type": "bundle",
            "id": "bundle--1",
            "spec_version": "2.0",
            "objects": [indicator, malware, tool, tlp],
        }
    )
    new_indicator, new_malware, new_tool, new_tlp = result.objects
    assert new_indicator == {
        **{k: v for k, v in indicator.items() if k != "labels"},
        "spec_version": "2.1",
        "indicator_types": ["malicious-activity"],
        "pattern_type": "stix",
    }, "timestamps keep their precision: seconds in valid_from, microseconds in modified"
    assert (new_malware["malware_types"], new_malware["is_family"]) == (["ransomware"], False)
    assert new_tool["labels"] == ["fuzzer"] and "tool_types" not in new_tool
    assert new_tlp == {**tlp, "spec_version": "2.1", "name": "TLP:GREEN"}, "TLP 1.0 ids pass through"
    assert all(validate_object(o) == [] for o in result.objects) and oasis_valid(result.objects)


def test_21_objects_pass_through_unchanged() -> None:
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": TS,
        "modified": TS,
        "labels": ["malicious-activity"],
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix",
        "valid_from": TS,
    }
    ip = {
        "type": "ipv4-addr",
        "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
        "value": "198.51.100.3",
    }
    result = upgrade({"type": "bundle", "id": "bundle--1", "spec_version": "2.0", "objects": [obj, ip]})
    assert result.objects == [obj, ip] and result.upgraded == 0 and result.problems == []


# --- observed data ---------------------------------------------------------------------------------------


def test_observed_data_becomes_scos_with_deterministic_ids_and_rewritten_refs() -> None:
    """The 2.0 spec's network-traffic and email examples: refs between entries become SCO ids."""
    od = observed(
        {
            "0": {"type": "ipv4-addr", "value": "198.51.100.2"},
            "1": {"type": "ipv4-addr", "value": "198.51.100.3"},
            "2": {
                "type": "network-traffic",
                "src_ref": "0",
                "dst_ref": "1",
                "protocols": ["tcp"],
                "dst_port": 80,
            },
            "3": {"type": "email-addr", "value": "jdoe@example.com", "display_name": "John Doe"},
            "4": {"type": "email-addr", "value": "mary@example.com", "display_name": "Mary Smith"},
            "5": {
                "type": "email-message",
                "is_multipart": False,
                "from_ref": "3",
                "to_refs": ["4"],
                "date": "1997-11-21T15:55:06Z",
                "subject": "Saying Hello",
            },
        },
        object_marking_refs=[TLP_GREEN],
    )
    result = upgrade_object(od)
    assert result.problems == [] and result.upgraded == 1
    *scos, new_od = result.objects
    ids = [s["id"] for s in scos]
    assert new_od["object_refs"] == ids and "objects" not in new_od
    a, b, traffic, jdoe, mary, message = scos
    assert a["id"] == stix2.v21.IPv4Address(value="198.51.100.2").id
    assert (
        traffic["id"]
        == stix2.v21.NetworkTraffic(src_ref=a["id"], dst_ref=b["id"], protocols=["tcp"], dst_port=80).id
    )
    assert (traffic["src_ref"], traffic["dst_ref"]) == (a["id"], b["id"])
    assert (
        message["id"]
        == stix2.v21.EmailMessage(
            is_multipart=False, from_ref=jdoe["id"], to_refs=[mary["id"]], subject="Saying Hello"
        ).id
    )
    assert (message["from_ref"], message["to_refs"]) == (jdoe["id"], [mary["id"]])
    assert all(s["spec_version"] == "2.1" and s["object_marking_refs"] == [TLP_GREEN] for s in scos)
    assert all(validate_object(o) == [] for o in result.objects) and oasis_valid(result.objects)
    assert upgrade_object(copy.deepcopy(od)) == result, "the same 2.0 object gives the same ids"
    assert od["objects"]["2"]["src_ref"] == "0", "the input is not changed"


def test_renamed_removed_and_rewritten_observable_properties() -> None:
    od = observed(
        {
            "0": {"type": "directory", "path": "C:\\Windows\\System32", "created": "2015-12-21T19:00:00Z"},
            "1": {
                "type": "file",
                "name": "qwerty.dll",
                "hashes": {
                    "SHA-256": "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c",
                    "ssdeep": "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C",
                },
                "parent_directory_ref": "0",
                "modified": "2016-01-01T00:00:00.1Z",
                "is_encrypted": False,
            },
            "2": {
                "type": "file",
                "name": "foo.zip",
                "hashes": {"MD5": "b365af00a1e4f1a6a2ad5fb1dbe7a18b"},
                "extensions": {
                    "archive-ext": {"contains_refs": ["1"], "version": "5.0"},
                    "x-acme-ext": {"colour": "blue"},
                },
            },
            "3": {
                "type": "user-account",
                "user_id": "1001",
                "password_last_changed": "2016-01-20T14:11:25.55Z",
            },
            "4": {
                "type": "process",
                "pid": 1221,
                "name": "gedit-bin",
                "arguments": ["--new-window"],
                "created": "2016-01-20T14:11:25.55Z",
                "binary_ref": "1",
                "creator_user_ref": "3",
                "child_refs": ["5"],
            },
            "5": {"type": "process", "pid": 1222, "parent_ref": "4"},
            "6": {
                "type": "windows-registry-key",
                "key": "hkey_local_machine\\system\\foo",
                "modified": "2016-01-01T00:00:00Z",
            },
            "7": {"type": "ipv4-addr", "value": "203.0.113.1"},
            "8": {
                "type": "network-traffic",
                "dst_ref": "7",
                "protocols": ["tcp"],
                "extensions": {"socket-ext": {"address_family": "AF_INET", "protocol_family": "PF_INET"}},
            },
        }
    )
    result = upgrade_object(od)
    directory, dll, archive, account, gedit, child, key, ip, traffic, new_od = result.objects
    assert directory["ctime"] == "2015-12-21T19:00:00Z" and "created" not in directory
    assert dll["mtime"] == "2016-01-01T00:00:00.1Z" and dll["parent_directory_ref"] == directory["id"]
    assert set(dll["hashes"]) == {"SHA-256", "SSDEEP"} and "is_encrypted" not in dll
    assert (
        dll["id"]
        == stix2.v21.File(name="qwerty.dll", hashes=dll["hashes"], parent_directory_ref=directory["id"]).id
    )
    assert archive["extensions"] == {"archive-ext": {"contains_refs": [dll["id"]]}}
    assert (
        archive["id"]
        == stix2.v21.File(name="foo.zip", hashes=archive["hashes"], extensions=archive["extensions"]).id
    )
    assert account["credential_last_changed"] == "2016-01-20T14:11:25.55Z"
    assert account["id"] == stix2.v21.UserAccount(user_id="1001").id
    assert gedit == {
        "type": "process",
        "spec_version": "2.1",
        "id": gedit["id"],
        "pid": 1221,
        "created_time": "2016-01-20T14:11:25.55Z",
        "image_ref": dll["id"],
        "creator_user_ref": account["id"],
        "child_refs": [child["id"]],
    }
    assert child["parent_ref"] == gedit["id"]
    assert key["modified_time"] == "2016-01-01T00:00:00Z"
    assert traffic["extensions"] == {"socket-ext": {"address_family": "AF_INET"}}
    assert traffic["dst_ref"] == ip["id"]
    assert new_od["object_refs"] == [o["id"] for o in result.objects[:-1]]
    gone = ": STIX 2.1 has no such property"
    assert sorted(p.message for p in result.problems) == [
        "dropped 'arguments' of 'objects' entry '4' (process)" + gone,
        "dropped 'is_encrypted' of 'objects' entry '1' (file)" + gone,
        "dropped 'name' of 'objects' entry '4' (process)" + gone,
        "dropped 'protocol_family' of extension 'socket-ext' of 'objects' entry '8' (network-traffic)" + gone,
        "dropped 'version' of extension 'archive-ext' of 'objects' entry '2' (file)" + gone,
        "dropped extension 'x-acme-ext' of 'objects' entry '2' (file): "
        "STIX 2.1 has no such predefined extension",
    ]
    assert {(p.id, p.skipped) for p in result.problems} == {(od["id"], False)}
    assert all(validate_object(o) == [] for o in result.objects) and oasis_valid(result.objects)


def test_processes_get_stable_uuid4_ids_of_their_own() -> None:
    """2.1 wants a UUIDv4 for an SCO without ID contributing properties; re-imports must not mint new ones."""
    od = observed({"0": {"type": "process", "pid": 7}})
    [process, _] = upgrade_object(od).objects
    assert uuid.UUID(process["id"].removeprefix("process--")).version == 4
    assert upgrade_object(copy.deepcopy(od)).objects[0]["id"] == process["id"]
    elsewhere = {**od, "id": "observed-data--c96f4120-2b4b-47c3-b61f-eceaa54bd9c6"}
    assert upgrade_object(elsewhere).objects[0]["id"] != process["id"], (
        "a different observation, a different process"
    )


def test_the_same_observable_in_two_observations_is_one_sco() -> None:
    first = observed({"0": {"type": "domain-name", "value": "example.com"}})
    second = {
        **observed({"4": {"type": "domain-name", "value": "example.com"}}),
        "id": "observed-data--c96f4120-2b4b-47c3-b61f-eceaa54bd9c6",
    }
    result = upgrade({"type": "bundle", "id": "bundle--1", "spec_version": "2.0", "objects": [first, second]})
    assert [o["type"] for o in result.objects] == ["domain-name", "observed-data", "observed-data"]
    assert result.objects[1]["object_refs"] == result.objects[2]["object_refs"] == [result.objects[0]["id"]]


def test_granular_markings_of_observables_mark_the_whole_sco() -> None:
    od = observed(
        {
            "0": {"type": "ipv4-addr", "value": "198.51.100.2"},
            "1": {"type": "ipv4-addr", "value": "198.51.100.3"},
        },
        object_marking_refs=[TLP_GREEN],
        granular_markings=[
            {"marking_ref": TLP_RED, "selectors": ["objects.1.value", "number_observed"]},
        ],
    )
    first, second, new_od = upgrade_object(od).objects
    assert first["object_marking_refs"] == [TLP_GREEN]
    assert second["object_marking_refs"] == [TLP_GREEN, TLP_RED], "never less marked than in 2.0"
    assert new_od["granular_markings"] == [{"marking_ref": TLP_RED, "selectors": ["number_observed"]}]
    assert all(validate_object(o) == [] for o in (first, second, new_od))


# --- what cannot be upgraded -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        (
            observed({"0": {"type": "network-traffic", "dst_ref": "9", "protocols": ["tcp"]}}),
            "'dst_ref' refers to '9'",
        ),
        (observed({}), "'objects' must be a non-empty object"),
        (observed({"0": "198.51.100.2"}), "'objects' entry '0' is not a cyber observable object"),
        (
            observed({"0": {"type": "process", "name": "gedit-bin"}}),
            "'objects' entry '0' (process) is not valid",
        ),
        (
            observed(
                {
                    "0": {
                        "type": "file",
                        "name": "a.zip",
                        "extensions": {"archive-ext": {"contains_refs": ["1"]}},
                    },
                    "1": {
                        "type": "file",
                        "name": "b.zip",
                        "extensions": {"archive-ext": {"contains_refs": ["0"]}},
                    },
                }
            ),
            "loop of references",
        ),
    ],
)
def test_an_object_that_cannot_be_upgraded_is_reported_and_left_out(
    broken: dict[str, Any], reason: str
) -> None:
    good = {
        "type": "campaign",
        "id": "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": TS,
        "modified": TS,
        "name": "Green Group Attacks Against Finance",
    }
    result = upgrade({"type": "bundle", "id": "bundle--1", "spec_version": "2.0", "objects": [good, broken]})
    assert result.objects == [{**good, "spec_version": "2.1"}]
    assert result.upgraded == 1
    [problem] = result.problems
    assert (problem.id, problem.skipped) == (broken["id"], True)
    assert reason in problem.message


def test_things_that_are_not_stix_objects() -> None:
    assert upgrade_object("indicator").problems == [
        Problem("unknown", "a STIX object must be a JSON object", True)
    ]
    assert (
        upgrade_object({"type": "indicator"}).problems[0].message
        == "a STIX 2.0 object needs a 'type' and an 'id'"
    )
    odd = observed({"0": {"type": "ipv4-addr", "value": object()}})
    assert upgrade_object(odd).problems == [Problem(odd["id"], "could not be upgraded (TypeError)", True)]


# --- identifiers -----------------------------------------------------------------------------------------


def test_sco_id_follows_the_spec() -> None:
    # Spec 2.9: UUIDv5 in the SCO namespace over the RFC 8785 form of the ID contributing properties.
    expected = uuid.uuid5(SCO_NAMESPACE, '{"value":"198.51.100.3"}')
    assert (
        sco_id({"type": "ipv4-addr", "value": "198.51.100.3", "resolves_to_refs": ["x"]})
        == f"ipv4-addr--{expected}"
    )
    sha256, md5 = (
        "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c",
        "b365af00a1e4f1a6a2ad5fb1dbe7a18b",
    )
    both = sco_id({"type": "file", "hashes": {"SHA-256": sha256, "MD5": md5}})
    assert both == sco_id({"type": "file", "hashes": {"MD5": md5}}), "MD5 stands for the hashes"
    assert sco_id({"type": "process", "pid": 4}) is None
    assert sco_id({"type": "software"}) is None


@given(st.text(min_size=1), st.integers(min_value=0, max_value=2**32))
def test_sco_ids_agree_with_python_stix2(name: str, number: int) -> None:
    assert sco_id({"type": "mutex", "name": name}) == stix2.v21.Mutex(name=name).id
    assert (
        sco_id({"type": "autonomous-system", "number": number})
        == stix2.v21.AutonomousSystem(number=number).id
    )


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


@given(JSON)
def test_canonical_json_is_rfc_8785(value: Any) -> None:
    """Checked against the RFC 8785 implementation python-stix2 ships (Canonicalize.py)."""
    assert upgrade_module._canonical(value) == canonicalize(value, utf8=False)
