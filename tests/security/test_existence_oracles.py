"""Existence oracles on the write path (issue 13, item 3): a submission is compared only with what
its submitter may see, so no answer tells an organisation that an object hidden from it exists, and
what it submits is its own, whatever others hold.

Against a real node on loopback, posting and reading through the real TAXII routes, on the engine
under test. Each refusal or swallowing that must not happen has its positive control: the same post
against a version the submitter may see.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, delete, inspect, select

from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.db.migrate import alembic_config
from gotong.intel.models import stix_objects
from gotong.intel.query import ObjectFilter, read_page
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.sharing.service import add_group, load_reader
from tests.conftest import RunningServer, token_for
from tests.helpers import REGIONAL_ID, TLP2, indicator

TAXII = "application/taxii+json;version=2.1"
Client = Callable[[str], httpx.Client]


@pytest.fixture
def client_of(server: RunningServer) -> Iterator[Client]:
    opened: list[httpx.Client] = []

    def client(org: str) -> httpx.Client:
        headers = {
            "Authorization": f"Bearer {token_for(server.engine, org)}",
            "Accept": TAXII,
            "Content-Type": TAXII,
        }
        opened.append(httpx.Client(base_url=server.url, headers=headers, timeout=60))
        return opened[-1]

    yield client
    for http in opened:
        http.close()


def _objects_url(server: RunningServer) -> str:
    return f"/{server.settings.api_root}/collections/{REGIONAL_ID}/objects/"


def _post(http: httpx.Client, server: RunningServer, obj: dict[str, Any]) -> dict[str, Any]:
    response = http.post(_objects_url(server), content=orjson.dumps({"objects": [obj]}))
    assert response.status_code == 202, response.text
    status: dict[str, Any] = response.json()
    return status


def _versions(http: httpx.Client, server: RunningServer, stix_id: str) -> list[dict[str, Any]]:
    response = http.get(f"{_objects_url(server)}{stix_id}/", params={"match[version]": "all"})
    if response.status_code == 404:
        return []
    assert response.status_code == 200, response.text
    objects: list[dict[str, Any]] = response.json().get("objects", [])
    return objects


def _ipv4(value: str, tlp: str) -> dict[str, Any]:
    # An SCO's id is derived from its value (STIX 2.1 deterministic ids), so anyone can name it.
    return {
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": f"ipv4-addr--{uuid.uuid5(uuid.NAMESPACE_URL, value)}",
        "value": value,
        "object_marking_refs": [TLP2[tlp]],
    }


def test_an_sco_identical_to_a_hidden_one_is_stored_as_the_submitters_own(
    server: RunningServer, client_of: Client
) -> None:
    thai, my = client_of("ThaiCERT"), client_of("MyCERT")
    hidden = _ipv4("203.0.113.77", "red")
    first = _post(my, server, hidden)
    assert first["success_count"] == 1
    assert _versions(thai, server, hidden["id"]) == [], "MyCERT's RED address is hidden from ThaiCERT"

    mine = _post(thai, server, hidden)

    (outcome,) = mine["successes"]
    assert "message" not in outcome, "not 'already present': that would confirm the hidden object"
    assert outcome["version"] != first["successes"][0]["version"], "nor the hidden row's date_added"
    assert _versions(thai, server, hidden["id"]) == [hidden], "the submission is not lost"
    assert _versions(my, server, hidden["id"]) == [hidden], "MyCERT still reads its own, once"
    again = _post(thai, server, hidden)
    assert again["successes"][0]["message"] == "already present", "its own submission is known to it"


def test_an_sco_identical_to_a_visible_one_is_already_present(
    server: RunningServer, client_of: Client
) -> None:
    thai, my = client_of("ThaiCERT"), client_of("MyCERT")
    shared = _ipv4("198.51.100.77", "green")
    first = _post(my, server, shared)

    seen = _post(thai, server, shared)

    assert seen["successes"] == [
        {"id": shared["id"], "version": first["successes"][0]["version"], "message": "already present"}
    ], "the positive control: what ThaiCERT may see is answered as present"
    assert _versions(thai, server, shared["id"]) == [shared]


def test_a_hidden_sdo_version_neither_refuses_nor_swallows_a_submission(
    server: RunningServer, client_of: Client
) -> None:
    thai, my = client_of("ThaiCERT"), client_of("MyCERT")
    hidden = indicator(tlp="red", created_by_ref="identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
    copy = indicator(tlp="red", created_by_ref="identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
    assert _post(my, server, hidden)["success_count"] == 1
    assert _post(my, server, copy)["success_count"] == 1
    same_id_other_body = {**hidden, "name": "ThaiCERT's own reading", "object_marking_refs": [TLP2["green"]]}

    different = _post(thai, server, same_id_other_body)
    identical = _post(thai, server, copy)

    assert different["failure_count"] == 0, "not 'a different object with this id and version'"
    assert "message" not in different["successes"][0]
    assert "message" not in identical["successes"][0], "not 'already present'"
    assert _versions(thai, server, hidden["id"]) == [same_id_other_body]
    assert _versions(thai, server, copy["id"]) == [copy]
    assert _versions(my, server, hidden["id"]) == [hidden], "the first submission reads as before"


def test_a_visible_sdo_version_with_another_body_is_still_refused(
    server: RunningServer, client_of: Client
) -> None:
    thai, my = client_of("ThaiCERT"), client_of("MyCERT")
    shared = indicator(tlp="green", created_by_ref="identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
    assert _post(my, server, shared)["success_count"] == 1

    clash = _post(thai, server, {**shared, "name": "another body"})
    same = _post(thai, server, shared)

    assert [f["message"] for f in clash["failures"]] == [
        "a different object with this id and version is already stored"
    ], "the positive control: a clash with what ThaiCERT may see is named"
    assert same["successes"][0]["message"] == "already present"


def test_a_reader_who_may_see_both_submissions_reads_the_version_once(server: RunningServer) -> None:
    """A version two organisations hold (the second could not see the first) reads as the first."""
    with write_transaction(server.engine) as conn:
        group = add_group(
            conn, name=f"pair-{uuid.uuid4().hex[:8]}", members=["MyCERT", "SingCERT"], owner="MyCERT"
        )
    first = indicator(tlp="amber", markings=[group.marking_id])
    second = {**first, "name": "ThaiCERT's reading", "object_marking_refs": [TLP2["green"]]}
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for org, obj in (("MyCERT", first), ("ThaiCERT", second)):
            http.headers.update(
                {
                    "Authorization": f"Bearer {token_for(server.engine, org)}",
                    "Accept": TAXII,
                    "Content-Type": TAXII,
                }
            )
            assert _post(http, server, obj)["success_count"] == 1

    def read(org: str) -> list[dict[str, Any]]:
        with read_connection(server.engine) as conn:
            principal = Principal(org_id=get_org(conn, short_name=org).id, org_short=org)
            page = read_page(
                conn,
                reader=load_reader(conn, principal),
                collection_id=REGIONAL_ID,
                filters=ObjectFilter(ids=(first["id"],), versions=("all",)),
                limit=10,
            )
        return [orjson.loads(item.body)["name"] for item in page.items]

    assert read("SingCERT") == [first["name"]], "in the group: both visible, the first is read, once"
    assert read("MyCERT") == [first["name"]], "its own, and not ThaiCERT's as well"
    assert read("ThaiCERT") == [second["name"]], "outside it: its own"
    assert read("LaoCERT") == [second["name"]], "outside it: the GREEN one only"


def test_the_migration_downgrades_only_while_no_version_has_two_submitters(engine: Engine) -> None:
    config = alembic_config(engine)
    before = ScriptDirectory.from_config(config).get_revision("0019").down_revision
    assert isinstance(before, str)
    first = indicator(tlp="red")
    with read_connection(engine) as conn:
        orgs = {
            o: Principal(org_id=get_org(conn, short_name=o).id, org_short=o) for o in ("MyCERT", "ThaiCERT")
        }
    add_objects(engine, principal=orgs["MyCERT"], collection_id=REGIONAL_ID, objects=[first])
    add_objects(
        engine, principal=orgs["ThaiCERT"], collection_id=REGIONAL_ID, objects=[{**first, "name": "x"}]
    )

    with pytest.raises(RuntimeError, match="1 object versions are held by more than one submitter"):
        command.downgrade(config, before)

    with write_transaction(engine) as conn:
        conn.execute(
            delete(stix_objects).where(
                stix_objects.c.stix_id == first["id"],
                stix_objects.c.submitter_org_id == orgs["ThaiCERT"].org_id,
            )
        )
    command.downgrade(config, before)
    keys = {tuple(u["column_names"]) for u in inspect(engine).get_unique_constraints("stix_objects")}
    assert ("collection_id", "stix_id", "version") in keys
    command.upgrade(config, "head")
    keys = {tuple(u["column_names"]) for u in inspect(engine).get_unique_constraints("stix_objects")}
    assert ("collection_id", "stix_id", "version", "submitter_org_id") in keys
    with read_connection(engine) as conn:
        kept = conn.execute(
            select(stix_objects.c.body).where(stix_objects.c.stix_id == first["id"])
        ).scalars()
        assert [orjson.loads(body)["name"] for body in kept] == [first["name"]], "MyCERT's row survives both"
