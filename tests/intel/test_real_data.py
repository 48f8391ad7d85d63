"""Real public STIX 2.1 data imports with zero rejections and reads back identical over TAXII."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from taxii2client.v21 import Collection, as_pages

from gotong.db.engine import read_connection
from gotong.intel.bulk import import_files
from gotong.orgs.service import get_org
from tests.conftest import SHARED_DATA, RunningServer, token_for
from tests.helpers import REGIONAL_ID, as_stored

ATTACK = SHARED_DATA / "attack-stix-data" / "enterprise-attack" / "enterprise-attack-18.1.derived-stix21.json"
EXAMPLES = sorted((SHARED_DATA / "cti-documentation" / "examples" / "example_json").glob("*.json"))


def _read_back(server: RunningServer, org: str) -> dict[tuple[str, str], dict[str, Any]]:
    token = token_for(server.engine, org)
    coll = Collection(server.collection_url(REGIONAL_ID), user=org, password=token)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for page in as_pages(coll.get_objects, per_request=5000, version="all"):
        for obj in page.get("objects", []):
            out[(obj["id"], obj.get("modified") or obj.get("created") or "")] = obj
    return out


def _identity(server: RunningServer, org: str) -> str:
    with read_connection(server.engine) as conn:
        return get_org(conn, short_name=org).identity_id


def _keyed(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["id"], o.get("modified") or o.get("created") or ""): o for o in objects}


@pytest.mark.slow
def test_attack_enterprise_imports_without_rejection_and_reads_back_identical(server: RunningServer) -> None:
    source = json.loads(ATTACK.read_text("utf-8"))["objects"]
    assert len(source) == 24_771
    summary = import_files(server.engine, files=[str(ATTACK)], org="MyCERT", collection_id=REGIONAL_ID)
    assert summary.rejected == 0, summary.reasons
    assert summary.accepted == len(_keyed(source))
    again = import_files(server.engine, files=[str(ATTACK)], org="MyCERT", collection_id=REGIONAL_ID)
    assert (again.accepted, again.rejected) == (0, 0)
    assert again.already_present == len(source)

    back = _read_back(server, "MyCERT")
    expected = {k: as_stored(v, _identity(server, "MyCERT")) for k, v in _keyed(source).items()}
    demo_free = {k: v for k, v in back.items() if k in expected}
    assert demo_free == expected


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_oasis_examples_import_and_read_back(server: RunningServer, path: Path) -> None:
    source = json.loads(path.read_text("utf-8"))["objects"]
    summary = import_files(server.engine, files=[str(path)], org="SingCERT", collection_id=REGIONAL_ID)
    assert summary.rejected == 0, summary.reasons
    expected = {k: as_stored(v, _identity(server, "SingCERT")) for k, v in _keyed(source).items()}
    back = {k: v for k, v in _read_back(server, "SingCERT").items() if k in expected}
    assert back == expected
