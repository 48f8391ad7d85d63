"""The issue's proof, on a real node with a clock the test controls: two members, injects through the
exercise collection and a check of their 24/7 desks; ThaiCERT acknowledges, shares the expected
indicator and answers the check in time, VNCERT misses everything; the scores are exact; each member
sees only its own detail (the hub sees both); an appeal changes one score; and nothing exercise-marked
appears in a real export, while a real object beside it does."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable

import httpx

from gotong import exercises
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.feeds.service import export_feed
from gotong.intel.bulk import export_bundle
from gotong.orgs.service import get_org
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import now_micros
from tests.conftest import RunningServer
from tests.exercises.conftest import C2, HUB, Api, Listener, drill_scenario
from tests.helpers import REGIONAL, TLP2, indicator

MINUTE = 60_000_000
TAXII = "application/taxii+json;version=2.1"


def _desk(client: Api, hook: Listener) -> None:
    client.ok(
        "POST", "/api/v1/contacts", 201, json={"role": "duty-desk", "name": "Desk", "webhook_url": hook.url}
    )


def _post_objects(server: RunningServer, client: Api, collection: str, objs: list[dict[str, object]]) -> None:
    response = client.http.post(
        server.collection_url(collection) + "objects/",
        content=json.dumps({"objects": objs}),
        headers={"Content-Type": TAXII, "Accept": TAXII},
    )
    assert response.status_code == 202, response.text
    assert response.json()["failure_count"] == 0, response.text


def test_a_short_drill_is_scored_exactly_seen_by_each_its_own_and_never_exported(
    server: RunningServer, api: Callable[..., Api], listener: Callable[[float | None], Listener]
) -> None:
    hub, thai, viet = api(HUB), api("ThaiCERT"), api("VNCERT")
    answering, silent = listener(0.0), listener(None)
    _desk(thai, answering)
    _desk(viet, silent)
    hub.ok("POST", "/api/v1/scenarios", 201, json=drill_scenario())
    created = hub.ok(
        "POST",
        "/api/v1/exercises",
        201,
        json={"scenario": "short-drill", "name": "Drill 1", "participants": ["ThaiCERT", "VNCERT"]},
    )
    ex = created["id"]
    # The rubric is published to the participants before the start.
    seen = thai.ok("GET", f"/api/v1/exercises/{ex}")
    assert seen["status"] == "planned" and seen["tlp"] == "amber+strict"
    assert [e["points"] for e in seen["schedule"][0]["expectations"]] == [5, 20]
    assert thai.ok("GET", f"/api/v1/exercises/{ex}/injects") == []

    t0 = now_micros()
    with read_connection(server.engine) as conn:
        controller = get_org(conn, short_name=HUB)
    operator = Principal(org_id=controller.id, org_short=HUB)
    exercises.start_exercise(server.engine, actor=operator, exercise_id=ex, now=t0)
    sent = exercises.tick(server.engine, settings=server.settings, base_url=server.url, now=t0)
    assert sent == 4  # two injects due at the start, to each of the two participants
    assert answering.acked.wait(30) and answering.acks[0].status_code == 200
    assert silent.arrived.wait(30)

    mine = thai.ok("GET", f"/api/v1/exercises/{ex}/injects")
    assert {(i["inject"], i["participant"]) for i in mine} == {("alert", "ThaiCERT"), ("desk", "ThaiCERT")}
    (alert,) = [i for i in mine if i["inject"] == "alert"]
    acked = thai.ok("POST", f"/api/v1/exercises/{ex}/injects/{alert['id']}/ack")
    assert acked["acknowledged_at"] is not None
    drill_indicator = {**indicator(value=C2, markings=[TLP2["green"]], tlp=None), "x_gotong_exercise": ex}
    _post_objects(server, thai, alert["collection"], [drill_indicator])
    real_indicator = indicator(value="real-loader.example")
    _post_objects(server, thai, REGIONAL, [real_indicator])
    # VNCERT may not acknowledge ThaiCERT's inject, nor see it.
    viet.refused("POST", f"/api/v1/exercises/{ex}/injects/{alert['id']}/ack", 404)

    exercises.tick(server.engine, settings=server.settings, base_url=server.url, now=t0 + 121 * MINUTE)

    every = hub.ok("GET", f"/api/v1/exercises/{ex}/scores")
    by = {s["participant"]: s for s in every["scores"]}
    assert set(by) == {"ThaiCERT", "VNCERT"}  # the hub sees both
    assert (by["ThaiCERT"]["total"], by["ThaiCERT"]["max_points"], by["ThaiCERT"]["unscored"]) == (35, 35, 1)
    assert (by["VNCERT"]["total"], by["VNCERT"]["max_points"], by["VNCERT"]["unscored"]) == (0, 35, 1)
    statuses = {(r["inject"], r["expectation"]): r["status"] for r in by["ThaiCERT"]["results"]}
    assert statuses == {
        ("alert", "ack"): "met",
        ("alert", "share"): "met",
        ("desk", "answer"): "met",
        ("close", None): "unscored",
    }
    assert {r["status"] for r in by["VNCERT"]["results"]} == {"missed", "unscored"}
    assert every["distribution"] == [0.0, 100.0]

    # Each member sees only its own score, injects and detail, and the anonymised distribution.
    for client, name in ((thai, "ThaiCERT"), (viet, "VNCERT")):
        own = client.ok("GET", f"/api/v1/exercises/{ex}/scores")
        assert [s["participant"] for s in own["scores"]] == [name]
        assert own["distribution"] == [0.0, 100.0]
        assert {i["participant"] for i in client.ok("GET", f"/api/v1/exercises/{ex}/injects")} == {name}
    assert {i["participant"] for i in hub.ok("GET", f"/api/v1/exercises/{ex}/injects")} == {
        "ThaiCERT",
        "VNCERT",
    }

    # An appeal, decided by the hub, changes one score and is recorded.
    appeal = viet.ok(
        "POST",
        f"/api/v1/exercises/{ex}/appeals",
        201,
        json={"inject": "desk", "expectation": "answer", "reason": "our desk answered by phone at once"},
    )
    assert appeal["outcome"] == "open"
    assert thai.ok("GET", f"/api/v1/exercises/{ex}/appeals") == []
    thai.refused(
        "POST",
        f"/api/v1/exercises/{ex}/appeals/{appeal['id']}/decision",
        403,
        json={"outcome": "upheld", "points": 10, "reason": "x"},
    )
    decided = hub.ok(
        "POST",
        f"/api/v1/exercises/{ex}/appeals/{appeal['id']}/decision",
        json={"outcome": "upheld", "points": 10, "reason": "the phone log shows the answer in 4 minutes"},
    )
    assert (decided["outcome"], decided["points_before"], decided["points_after"]) == ("upheld", 0, 10)
    after = {s["participant"]: s["total"] for s in hub.ok("GET", f"/api/v1/exercises/{ex}/scores")["scores"]}
    assert after == {"ThaiCERT": 35, "VNCERT": 10}
    assert viet.ok("GET", f"/api/v1/exercises/{ex}/appeals")[0]["decision"].startswith("the phone log")

    stopped = hub.ok("POST", f"/api/v1/exercises/{ex}/stop")
    assert stopped["status"] == "stopped"

    # Nothing exercise-marked in real exports; the real indicator is there (the positive control).
    drill_ids = {drill_indicator["id"], alert["id"], ex, by["ThaiCERT"]["id"], appeal["id"]}
    for org in (HUB, "ThaiCERT", "VNCERT"):
        out = io.StringIO()
        export_bundle(server.engine, out=out, org=org)
        text = out.getvalue()
        assert real_indicator["id"] in text, org
        assert not [i for i in drill_ids if i in text] and "x_gotong_exercise" not in text, org
        feed = export_feed(server.engine, org=org, collection_id=None, fmt="stix", ceiling=TLP.RED).text
        assert real_indicator["id"] in feed and "x_gotong_exercise" not in feed
    # The exercise collection itself is where the drill is played: the participant reads its inject there.
    page = thai.http.get(server.collection_url(alert["collection"]) + "objects/", headers={"Accept": TAXII})
    assert alert["id"] in page.text and str(uuid.UUID(ex.split("--")[1])) in page.text
    assert page.status_code == httpx.codes.OK
