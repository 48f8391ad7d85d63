"""``gotong import`` of STIX 2.0 bundles: upgraded to 2.1 on the way in, streamed, and idempotent.

The real 2.0 data are OASIS's Poison Ivy report bundle as shipped with stix2-validator; the observed data
is written after the STIX 2.0 spec's examples.
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path
from typing import Any

import stix2validator
from sqlalchemy import Engine
from stix2validator import ValidationOptions, validate_instance

from gotong.intel.bulk import export_bundle, import_files
from gotong.stix.upgrade import upgrade
from gotong.stix.validate import validate_object
from tests.cli.test_cli import gotong
from tests.helpers import REGIONAL, REGIONAL_ID

POISONIVY_20 = (
    Path(stix2validator.__file__).parent / "schemas-2.0" / "examples" / "threat-reports" / "poisonivy.json"
)
TS = "2016-04-06T19:58:16.000Z"
OBSERVED = "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf"
BROKEN = "observed-data--c96f4120-2b4b-47c3-b61f-eceaa54bd9c6"
DROPPED_NAME = "dropped 'name' of 'objects' entry '3' (process): STIX 2.1 has no such property"


def observed(stix_id: str, objects: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "observed-data",
        "id": stix_id,
        "created": TS,
        "modified": TS,
        "first_observed": "2015-12-21T19:00:00Z",
        "last_observed": "2015-12-21T19:00:00Z",
        "number_observed": 1,
        "objects": objects,
    }


def bundle_20(path: Path, objects: list[dict[str, Any]], *, version_last: bool = False) -> Path:
    """A 2.0 bundle; ``version_last`` writes its spec_version after the objects, as JSON allows."""
    head: dict[str, Any] = {"type": "bundle", "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982"}
    document = (
        {**head, "objects": objects, "spec_version": "2.0"}
        if version_last
        else {**head, "spec_version": "2.0", "objects": objects}
    )
    path.write_text(json.dumps(document))
    return path


def exported(engine: Engine, org: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    export_bundle(engine, out=out, org=org, collection_id=REGIONAL_ID)
    objects: list[dict[str, Any]] = json.loads(out.getvalue())["objects"]
    return objects


def oasis_valid(objects: list[dict[str, Any]]) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bundle = {"type": "bundle", "id": "bundle--0b7c3e5e-1111-4000-8000-000000000000", "objects": objects}
        return bool(validate_instance(bundle, ValidationOptions(version="2.1")).is_valid)


NETWORK = {
    "0": {"type": "ipv4-addr", "value": "198.51.100.2"},
    "1": {"type": "ipv4-addr", "value": "198.51.100.3"},
    "2": {"type": "network-traffic", "src_ref": "0", "dst_ref": "1", "protocols": ["tcp"], "dst_port": 80},
    "3": {"type": "process", "pid": 1221, "name": "gedit-bin", "opened_connection_refs": ["2"]},
}


def test_a_20_bundle_is_upgraded_on_import_and_importing_it_again_adds_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    good = observed(OBSERVED, NETWORK)
    broken = observed(BROKEN, {"0": {"type": "network-traffic", "dst_ref": "7", "protocols": ["tcp"]}})
    again = {**observed("observed-data--787710c9-1988-4a1b-9761-a2de5e19c62f", {"5": NETWORK["1"]})}
    handmade = bundle_20(tmp_path / "observed.json", [good, broken, again], version_last=True)
    lines: list[str] = []

    first = import_files(
        engine,
        files=[str(POISONIVY_20), str(handmade)],
        org="ThaiCERT",
        collection_id=REGIONAL,
        on_rejected=lines.append,
    )

    poisonivy = json.loads(POISONIVY_20.read_text("utf-8"))["objects"]
    made = upgrade(json.loads(handmade.read_text("utf-8")))
    assert first.upgraded == len(poisonivy) + 2
    assert (first.accepted, first.already_present, first.rejected) == (len(poisonivy) + 4 + 2, 1, 1)
    assert first.line() == (
        f"imported: {first.accepted} accepted, 1 already present, 1 rejected; "
        f"{first.upgraded} upgraded from STIX 2.0; unmarked objects marked TLP:AMBER (ThaiCERT's default)"
    )
    assert lines == [
        f"{handmade}: upgraded {OBSERVED}: {DROPPED_NAME}",
        f"{handmade}: rejected {BROKEN}: 'objects' entry '0': 'dst_ref' refers to '7', "
        "which is not in 'objects'",
    ]

    stored = {o["id"]: o for o in exported(engine, "ThaiCERT")}
    assert {o["id"] for o in poisonivy} <= stored.keys()
    assert {o["id"] for o in made.objects} <= stored.keys() and BROKEN not in stored
    assert all(o.get("spec_version") == "2.1" for o in stored.values() if o["type"] != "marking-definition")
    od = stored[OBSERVED]
    assert "objects" not in od and len(od["object_refs"]) == 4 and set(od["object_refs"]) <= stored.keys()
    assert stored[od["object_refs"][2]]["src_ref"] == od["object_refs"][0], "refs point at the stored SCOs"
    assert all(validate_object(o) == [] for o in stored.values())
    assert oasis_valid(list(stored.values()))

    second = import_files(
        engine, files=[str(POISONIVY_20), str(handmade)], org="ThaiCERT", collection_id=REGIONAL
    )
    assert (second.accepted, second.already_present, second.rejected) == (0, first.accepted + 1, 1)
    assert {o["id"] for o in exported(engine, "ThaiCERT")} == stored.keys()


def test_a_21_bundle_is_never_upgraded(engine: Engine, tmp_path: Path) -> None:
    """No bundle spec_version means 2.1: an SDO without spec_version is rejected, not read as 2.0."""
    obj = {
        "type": "campaign",
        "id": "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": TS,
        "modified": TS,
        "name": "Green Group Attacks Against Finance",
    }
    path = tmp_path / "bundle.json"
    path.write_text(
        json.dumps({"type": "bundle", "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982", "objects": [obj]})
    )
    summary = import_files(engine, files=[str(path)], org="ThaiCERT", collection_id=REGIONAL)
    assert (summary.accepted, summary.rejected, summary.upgraded) == (0, 1, 0)
    assert summary.reasons == {"missing required property 'spec_version'": 1}


def test_the_import_command_reports_the_upgrade(engine: Engine, database_url: str, tmp_path: Path) -> None:
    path = bundle_20(tmp_path / "observed.json", [observed(OBSERVED, NETWORK)])
    result = gotong(database_url, "import", str(path), "--org", "MyCERT", "--collection", REGIONAL)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"{path}: upgraded {OBSERVED}: {DROPPED_NAME}",
        "imported: 5 accepted, 0 already present, 0 rejected; 1 upgraded from STIX 2.0;"
        " unmarked objects marked TLP:AMBER (MyCERT's default)",
    ]
