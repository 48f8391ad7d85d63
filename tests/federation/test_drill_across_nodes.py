"""A drill across nodes, each a separate ``gotong serve`` process with its own database: the hub runs
the drill for ThaiCERT (on its own national node) and VNCERT (on the hub); MyCERT's node is a
federated peer that takes no part.

The hub's own drill clock sends the injects; federation carries ThaiCERT's to its node (and never
VNCERT's); ThaiCERT acknowledges and shares the expected indicator on its own node; federation
carries both back; the hub's clock scores them. Nothing of the drill reaches MyCERT's node, directly
from ThaiCERT's node or through the hub, while a real indicator shared beside it does (the positive
control of the absence)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from gotong import exercises
from gotong.core.auth import Role
from gotong.db.engine import read_connection, write_transaction
from gotong.exercises import records
from gotong.federation.service import add_peer
from gotong.intel.models import stix_objects
from gotong.orgs.service import hub, operator_for
from tests.conftest import token_for
from tests.exercises.conftest import C2, drill_scenario
from tests.federation.test_processes import ORG, NodeProcess
from tests.helpers import REGIONAL_ID, TLP2, indicator

pytestmark = pytest.mark.slow

TAXII = "application/taxii+json;version=2.1"
NODES = ("hub", "th", "my")


def _scenario() -> dict[str, Any]:
    """The short drill's alert alone: acknowledge it, share an indicator for its domain."""
    found = drill_scenario("federated-drill")
    found["injects"] = found["injects"][:1]
    return found


def _groups(engine: Engine, exercise_id: str) -> list[str]:
    """The drill's sharing groups (the exercise's, and ThaiCERT's pair with the hub), made on this
    node with the same names and members as on the hub, so their markings mean the same here."""
    with read_connection(engine) as conn:
        controller = hub(conn)
    made = [
        records.group(
            engine, f"exercise {exercise_id[-12:]}", ["ThaiCERT", "VNCERT", "ASEAN-CERT"], controller
        ),
        records.group(engine, "drill ThaiCERT+ASEAN-CERT", ["ThaiCERT", "ASEAN-CERT"], controller),
    ]
    return [g.name for g in made]


@pytest.fixture
def drill(
    other_node: Callable[[str], Engine], tmp_path: Path
) -> Iterator[tuple[dict[str, NodeProcess], str]]:
    nodes = {name: NodeProcess(name, other_node(name), tmp_path) for name in NODES}
    engine = nodes["hub"].engine
    with read_connection(engine) as conn:
        operator = operator_for(conn, org="ASEAN-CERT")
    exercises.import_scenario(engine, actor=operator, scenario=exercises.parse_scenario(_scenario()))
    body = exercises.ExerciseCreate(
        scenario="federated-drill", name="Across nodes", participants=["ThaiCERT", "VNCERT"]
    )
    exercise_id = exercises.create_exercise(engine, actor=operator, exercise=body).id
    groups = {name: _groups(node.engine, exercise_id) if name != "my" else [] for name, node in nodes.items()}
    for node in nodes.values():
        records.collection(node.engine)  # the exercise collection: the same id on every node

    def link(sender: str, receiver: str, shared: list[str]) -> None:
        token = token_for(nodes[receiver].engine, ORG[sender])
        with write_transaction(nodes[sender].engine) as conn:
            add_peer(
                conn,
                name=f"to-{receiver}",
                url=nodes[receiver].api_root,
                token=token,
                org=ORG[receiver],
                push=True,
                pull=False,
                groups=shared,
            )

    link("hub", "th", groups["th"])
    link("th", "hub", groups["th"])
    link("hub", "my", [])
    link("my", "hub", [])
    link("th", "my", [])  # the national nodes peer directly too
    for node in nodes.values():
        node.start()
    try:
        for node in nodes.values():
            node.wait_ready()
        yield nodes, exercise_id
    finally:
        for node in nodes.values():
            node.stop()


def _client(node: NodeProcess, org: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"http://127.0.0.1:{node.port}",
        headers={"Authorization": f"Bearer {token_for(node.engine, org, role=Role.COORDINATOR)}"},
        timeout=30,
    )


def _until(what: str, check: Callable[[], Any], nodes: dict[str, NodeProcess], timeout: float = 300) -> Any:
    """Poll ``check`` until it gives something (the drill clock runs once a minute); on a timeout,
    say what was awaited with the end of each node's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.5)
    logs = "\n".join(f"--- {n.name}: {n.log.read_text()[-1500:]}" for n in nodes.values())
    raise AssertionError(f"waited in vain: {what}\n{logs}")


def _post(client: httpx.Client, collection: str, objs: list[dict[str, Any]]) -> None:
    response = client.post(
        f"/api1/collections/{collection}/objects/",
        content=json.dumps({"objects": objs}),
        headers={"Content-Type": TAXII, "Accept": TAXII},
    )
    assert response.status_code == 202 and response.json()["failure_count"] == 0, response.text


def test_a_participant_on_its_own_node_receives_injects_by_federation_and_is_scored_at_the_hub(
    drill: tuple[dict[str, NodeProcess], str],
) -> None:
    nodes, exercise_id = drill
    with _client(nodes["hub"], "ASEAN-CERT") as hub_api, _client(nodes["th"], "ThaiCERT") as thai:
        started = hub_api.post(f"/api/v1/exercises/{exercise_id}/start")
        assert started.status_code == 200, started.text

        # The hub's drill clock sends the injects; federation brings ThaiCERT's to its own node.
        def thai_injects() -> list[dict[str, Any]]:
            response = thai.get(f"/api/v1/exercises/{exercise_id}/injects")
            return list(response.json()) if response.status_code == 200 else []

        (inject,) = _until("ThaiCERT's inject on its node", thai_injects, nodes)
        assert (inject["inject"], inject["participant"]) == ("alert", "ThaiCERT")
        collection = inject["collection"]
        assert collection == records.COLLECTION_ID

        # ThaiCERT answers on its own node: an acknowledgement and the expected indicator, and a
        # real indicator beside them.
        acked = thai.post(f"/api/v1/exercises/{exercise_id}/injects/{inject['id']}/ack")
        assert acked.status_code == 200, acked.text
        drill_indicator = {
            **indicator(value=C2, markings=[TLP2["green"]], tlp=None),
            "x_gotong_exercise": exercise_id,
        }
        real = indicator(value="real-loader.example", tlp="green")
        _post(thai, collection, [drill_indicator])
        _post(thai, REGIONAL_ID, [real])

        # The hub scores what reached it from ThaiCERT's node.
        def thai_score() -> dict[str, Any] | None:
            scores = hub_api.get(f"/api/v1/exercises/{exercise_id}/scores").json()["scores"]
            mine = [s for s in scores if s["participant"] == "ThaiCERT" and s["total"] == 25]
            return mine[0] if mine else None

        score = _until("ThaiCERT's answers scored at the hub", thai_score, nodes)
        statuses = {r["expectation"]: (r["status"], r["evidence"]) for r in score["results"]}
        assert statuses["ack"][0] == "met" and statuses["share"] == (
            "met",
            f"indicator {drill_indicator['id']}",
        )
        viet = next(
            s
            for s in hub_api.get(f"/api/v1/exercises/{exercise_id}/scores").json()["scores"]
            if s["participant"] == "VNCERT"
        )
        assert viet["total"] == 0

    # Where everything went: the real indicator everywhere; the drill only at the hub and
    # ThaiCERT's node, and of the injects only ThaiCERT's there.
    _until("the real indicator at MyCERT's node", lambda: nodes["my"].stored({real["id"]}), nodes)
    _until("no backlog", lambda: all(n.backlog() == 0 for n in nodes.values()), nodes)
    with read_connection(nodes["hub"].engine) as conn:
        operator = operator_for(conn, org="ASEAN-CERT")
    every = exercises.list_injects(nodes["hub"].engine, actor=operator, exercise_id=exercise_id)
    by = {i.participant: i.id for i in every}
    assert set(by) == {"ThaiCERT", "VNCERT"}
    assert nodes["th"].stored({by["ThaiCERT"], by["VNCERT"]}) == {by["ThaiCERT"]: 1}
    with read_connection(nodes["th"].engine) as conn:  # ThaiCERT's node sent no inject of its own
        injects = conn.execute(
            select(func.count()).where(stix_objects.c.type == exercises.INJECT_TYPE)
        ).scalar_one()
    assert injects == 1
    drill_ids = {exercise_id, by["ThaiCERT"], by["VNCERT"], drill_indicator["id"], score["id"]}
    assert nodes["hub"].stored({drill_indicator["id"]}) == {drill_indicator["id"]: 1}
    assert nodes["my"].stored(drill_ids) == {}
    assert nodes["my"].stored({real["id"]}) == {real["id"]: 1}
