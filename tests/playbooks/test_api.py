"""REST for playbooks against a real node: import, versions, export, show, and apply to a case."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from gotong.core.auth import Role
from tests.conftest import RunningServer, start_server, token_for
from tests.helpers import REGIONAL_ID
from tests.playbooks.conftest import SCHEMAS, copy_of, example


@pytest.fixture
def node(engine: Engine) -> Iterator[RunningServer]:
    srv, thread, running = start_server(engine, cacao_schemas=SCHEMAS)
    yield running
    srv.should_exit = True
    thread.join(timeout=60)


def _client(node: RunningServer, org: str) -> httpx.Client:
    token = token_for(node.engine, org, role=Role.ANALYST)
    return httpx.Client(base_url=node.url, headers={"Authorization": f"Bearer {token}"})


def test_import_show_export_and_versions(node: RunningServer) -> None:
    first = example()
    second = {**copy_of(first), "modified": "2024-01-01T00:00:00.000Z", "name": "Bad MAC, revised"}
    with _client(node, "SingCERT") as sg, _client(node, "ThaiCERT") as th:
        for document in (first, second):
            made = sg.post("/api/v1/playbooks", json={"playbook": document, "collection": REGIONAL_ID})
            assert made.status_code == 201, made.text
        shown = th.get(f"/api/v1/playbooks/{first['id']}").json()
        assert shown["name"] == "Bad MAC, revised" and shown["versions"] == [
            first["modified"],
            second["modified"],
        ]
        older = th.get(f"/api/v1/playbooks/{first['id']}/export", params={"version": first["modified"]})
        assert older.json() == first
        assert [p["id"] for p in th.get("/api/v1/playbooks").json()] == [first["id"]]
        missing = th.get(f"/api/v1/playbooks/{first['id']}", params={"version": "2030-01-01T00:00:00Z"})
        assert missing.status_code == 404 and "no version" in missing.json()["description"]


def test_a_malformed_playbook_is_400_naming_the_property(node: RunningServer) -> None:
    document = copy_of(example())
    document["workflow_start"] = "start--00000000-0000-4000-8000-000000000000"
    with _client(node, "SingCERT") as sg:
        refused = sg.post("/api/v1/playbooks", json={"playbook": document, "collection": REGIONAL_ID})
    assert refused.status_code == 400, refused.text
    assert "workflow_start: names no step of the workflow" in refused.json()["description"]


def test_apply_a_library_playbook_to_a_case(node: RunningServer) -> None:
    from gotong.playbooks import library

    document = next(d for d in library() if d["name"] == "DDoS on government services")
    with _client(node, "SingCERT") as sg:
        assert (
            sg.post("/api/v1/playbooks", json={"playbook": document, "collection": REGIONAL_ID}).status_code
            == 201
        )
        case = sg.post(
            "/api/v1/cases",
            json={
                "title": "Portals down",
                "collection": REGIONAL_ID,
                "participants": [{"org": "ThaiCERT", "role": "affected"}],
            },
        ).json()
        run = sg.post(f"/api/v1/cases/{case['id']}/playbook", json={"playbook": document["id"]})
        assert run.status_code == 201, run.text
        assert [s["name"] for s in run.json()["steps"]] == ["Characterise the attack traffic"]
        assert [c["clock"] for c in run.json()["clocks"]] == ["mitigation"]
        tasks = sg.get(f"/api/v1/cases/{case['id']}").json()["tasks"]
        assert [t["name"] for t in tasks] == ["Characterise the attack traffic"]
        with _client(node, "ThaiCERT") as th:
            done = th.patch(
                f"/api/v1/cases/{case['id']}/tasks/{tasks[0]['id']}", json={"outcome": "successful"}
            )
            assert done.status_code == 200, done.text
        runs = sg.post(f"/api/v1/cases/{case['id']}/playbook/advance").json()
        assert [s["name"] for s in runs[0]["steps"]] == [
            "Characterise the attack traffic",
            "Mitigate with the upstream providers",
        ]
