"""Every SDO and SRO names its creator: objects sent without ``created_by_ref`` get the submitter's
identity (the hub's when sent through the hub), and stix2's ``creator_of`` resolves it from the
collections a reader sees (the regional collection and the definitions collection)."""

from __future__ import annotations

import io
import json
from typing import Any

import stix2
from taxii2client.v21 import Collection

from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.intel.bulk import export_bundle
from gotong.intel.collections import get_collection
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org, hub
from gotong.sharing.definitions import DEFINITIONS_ALIAS
from tests.conftest import RunningServer, token_for
from tests.helpers import REGIONAL_ID, indicator


def _source(server: RunningServer, collection_id: str, org: str, **token: Any) -> stix2.TAXIICollectionSource:
    secret = token_for(server.engine, org, **token)
    return stix2.TAXIICollectionSource(
        Collection(server.collection_url(collection_id), user=org, password=secret), allow_custom=True
    )


def _creators(server: RunningServer, reader: str) -> stix2.CompositeDataSource:
    with read_connection(server.engine) as conn:
        definitions = get_collection(conn, DEFINITIONS_ALIAS).id
    both = stix2.CompositeDataSource()
    both.add_data_sources([_source(server, REGIONAL_ID, reader), _source(server, definitions, reader)])
    return both


def test_creator_of_finds_the_submitter_and_the_hub_for_anonymous_submissions(server: RunningServer) -> None:
    named, anonymous = indicator(tlp="green"), indicator(tlp="green")
    sink = _source(server, REGIONAL_ID, "ThaiCERT").collection
    assert sink.add_objects({"objects": [named]}).success_count == 1
    secret = token_for(server.engine, "MyCERT", through_hub=True)
    through = Collection(server.collection_url(REGIONAL_ID), user="MyCERT", password=secret)
    assert through.add_objects({"objects": [anonymous]}).success_count == 1
    with read_connection(server.engine) as conn:
        thai, the_hub = get_org(conn, short_name="ThaiCERT"), hub(conn)

    reader = _creators(server, "SingCERT")
    got = reader.get(named["id"])
    assert got.created_by_ref == thai.identity_id
    creator = reader.creator_of(got)
    assert creator is not None and creator.id == thai.identity_id and creator.name == thai.name
    hidden = reader.creator_of(reader.get(anonymous["id"]))
    assert hidden is not None and hidden.id == the_hub.identity_id, "anonymous: the hub, never MyCERT"


def test_only_sdos_and_sros_without_a_creator_are_attributed(engine: Any) -> None:
    with read_connection(engine) as conn:
        thai = get_org(conn, short_name="ThaiCERT")
    principal = Principal(org_id=thai.id, org_short=thai.short_name)
    unattributed = indicator()
    credited = indicator(created_by_ref="identity--0b1cfe8a-6b6f-4a11-a4b6-2f7a1c3e5d90")
    address = {
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": "ipv4-addr--ff2c3a3e-7c3b-5b1e-9d0a-0b3f6a1e2d4c",
    }
    address["value"] = "198.51.100.77"
    marking = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--0cfe6a1e-1f33-4f34-9a5c-7d7e7e1f1a01",
        "created": "2026-01-01T00:00:00.000Z",
        "definition_type": "statement",
        "definition": {"statement": "Copyright ThaiCERT"},
    }
    report = add_objects(
        engine,
        principal=principal,
        collection_id=REGIONAL_ID,
        objects=[unattributed, credited, address, marking],
    )
    assert not report.failures, report.failures

    out = io.StringIO()
    export_bundle(engine, out=out, org="ThaiCERT", collection_id=REGIONAL_ID, include_expired=True)
    stored = {o["id"]: o for o in json.loads(out.getvalue())["objects"]}
    assert stored[unattributed["id"]]["created_by_ref"] == thai.identity_id
    assert stored[credited["id"]]["created_by_ref"] == credited["created_by_ref"], "a named creator stays"
    assert "created_by_ref" not in stored[address["id"]], "SCOs have no created_by_ref in STIX 2.1"
    assert stored[marking["id"]] == marking, "marking definitions are kept as their publisher wrote them"


def test_a_resubmission_without_a_creator_is_the_version_already_stored(engine: Any) -> None:
    with read_connection(engine) as conn:
        thai, my = get_org(conn, short_name="ThaiCERT"), get_org(conn, short_name="MyCERT")
    same = indicator(tlp="clear")
    for org in (thai, my, thai):
        report = add_objects(
            engine,
            principal=Principal(org_id=org.id, org_short=org.short_name),
            collection_id=REGIONAL_ID,
            objects=[same],
        )
        assert not report.failures, report.failures
    first = add_objects(
        engine,
        principal=Principal(org_id=my.id, org_short=my.short_name),
        collection_id=REGIONAL_ID,
        objects=[{**same, "name": "changed"}],
    )
    assert first.failures and "already stored" in (first.failures[0].message or ""), (
        "positive control: a real difference under the same version is still refused"
    )
