"""Every shipped template is a drill that can be run and scored: each inject asks for something (or is
marked informational, and then reads unscored), and on a real node with a clock the test controls its
injects go out on their offsets, and a participant that does everything asked earns every point while
one that does nothing earns none."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from gotong import exercises
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Invalid
from gotong.orgs.service import get_org
from gotong.stix.timestamps import now_micros
from tests.conftest import RunningServer
from tests.exercises.conftest import HUB, Api, Listener
from tests.helpers import TLP2, indicator

MINUTE = 60_000_000
TAXII = "application/taxii+json;version=2.1"
SHIPPED = sorted(exercises.shipped_scenarios())
PLAYERS = ("ThaiCERT", "VNCERT")


def test_the_library_ships_the_four_templates_of_the_issue() -> None:
    kinds = {s.id: (s.kind, s.severity) for s in exercises.shipped_scenarios().values()}
    assert kinds == {
        "acid-ransomware": ("drill", 3),
        "apcert-ddos-phishing": ("drill", 3),
        "communication-check": ("communication-check", None),
        "regional-crisis-tabletop": ("tabletop", 4),
    }
    tabletop = exercises.shipped_scenarios()["regional-crisis-tabletop"]
    manual = [
        e for i in tabletop.injects for e in i.expectations if e.kind == exercises.ExpectationKind.MANUAL
    ]
    assert len(manual) == 5 and all("evaluator" in e.rubric for e in manual)
    assert {i.objective for i in tabletop.injects} - {None} == {o.id for o in tabletop.objectives}


@pytest.mark.parametrize("scenario_id", SHIPPED)
def test_every_inject_of_a_template_asks_for_something_or_says_it_only_informs(scenario_id: str) -> None:
    scenario = exercises.shipped_scenarios()[scenario_id]
    for inject in scenario.injects:
        assert bool(inject.expectations) != inject.informational, inject.id
        assert inject.content.startswith("This is a"), inject.id  # every inject reads as a drill
    assert scenario.max_points() > 0


def test_an_informational_inject_with_an_expectation_is_refused() -> None:
    raw = exercises.shipped_scenarios()["communication-check"].model_dump(mode="json")
    raw["injects"][0]["informational"] = True
    with pytest.raises(Invalid) as caught:
        exercises.parse_scenario(raw)
    assert "informational inject has no expectations" in str(caught.value)


def _operator(server: RunningServer) -> Principal:
    with read_connection(server.engine) as conn:
        controller = get_org(conn, short_name=HUB)
    return Principal(org_id=controller.id, org_short=HUB)


def _create(hub: Api, scenario_id: str, name: str) -> str:
    made = hub.ok(
        "POST",
        "/api/v1/exercises",
        201,
        json={"scenario": scenario_id, "name": name, "participants": list(PLAYERS)},
    )
    return str(made["id"])


def _scores(hub: Api, ex: str) -> dict[str, dict[str, object]]:
    return {s["participant"]: s for s in hub.ok("GET", f"/api/v1/exercises/{ex}/scores")["scores"]}


@pytest.mark.parametrize("scenario_id", SHIPPED)
def test_a_template_delivers_on_its_offsets_and_scores_a_full_and_an_empty_response(
    scenario_id: str,
    server: RunningServer,
    api: Callable[..., Api],
    listener: Callable[[float | None], Listener],
) -> None:
    scenario = exercises.shipped_scenarios()[scenario_id]
    hub, thai = api(HUB), api("ThaiCERT")
    operator = _operator(server)
    informational = sum(i.informational for i in scenario.injects)

    # The schedule: with the clock held just short of each offset nothing new goes; at the offset,
    # exactly that offset's injects go, to each participant.
    first = _create(hub, scenario_id, "schedule")
    t0 = now_micros()
    exercises.start_exercise(server.engine, actor=operator, exercise_id=first, now=t0)
    offsets = sorted({i.offset_minutes for i in scenario.injects})
    for offset in offsets:
        if offset:
            early = exercises.tick(
                server.engine, settings=server.settings, now=t0 + offset * MINUTE - 1_000_000
            )
            assert early == 0, offset
        sent = exercises.tick(server.engine, settings=server.settings, now=t0 + offset * MINUTE)
        assert sent == len(PLAYERS) * sum(i.offset_minutes == offset for i in scenario.injects), offset
    exercises.stop_exercise(
        server.engine, actor=operator, exercise_id=first, now=t0 + (offsets[-1] + 1) * MINUTE
    )
    for s in _scores(hub, first).values():
        assert (s["total"], s["max_points"], s["unscored"]) == (0, scenario.max_points(), informational)

    # The responses: every inject goes at once (the clock started long enough ago); ThaiCERT does all
    # each inject asks, within its time, and the evaluator gives its manual answers full marks;
    # VNCERT does nothing.
    answering, silent = listener(0.0), listener(None)
    for client, hook in ((thai, answering), (api("VNCERT"), silent)):
        client.ok(
            "POST",
            "/api/v1/contacts",
            201,
            json={"role": "duty-desk", "name": "Desk", "webhook_url": hook.url},
        )
    second = _create(hub, scenario_id, "responses")
    now = now_micros()
    exercises.start_exercise(
        server.engine, actor=operator, exercise_id=second, now=now - (offsets[-1] + 1) * MINUTE
    )
    sent = exercises.tick(server.engine, settings=server.settings, base_url=server.url, now=now)
    assert sent == len(PLAYERS) * len(scenario.injects)
    checks = sum(i.channel == exercises.Channel.CONTACT_CHECK for i in scenario.injects)
    give_up = time.monotonic() + 30
    while len(answering.acks) < checks and time.monotonic() < give_up:
        time.sleep(0.05)
    assert [a.status_code for a in answering.acks] == [200] * checks

    mine = thai.ok("GET", f"/api/v1/exercises/{second}/injects")
    assert len(mine) == len(scenario.injects)
    for delivered in mine:
        kinds = {e["kind"] for e in delivered["expectations"]}
        if "acknowledge" in kinds:
            thai.ok("POST", f"/api/v1/exercises/{second}/injects/{delivered['id']}/ack")
        for e in delivered["expectations"]:
            if e["kind"] == "share-indicator":
                drill = {
                    **indicator(value=e["pattern_contains"], markings=[TLP2["green"]], tlp=None),
                    "x_gotong_exercise": second,
                }
                response = thai.http.post(
                    server.collection_url(delivered["collection"]) + "objects/",
                    content=json.dumps({"objects": [drill]}),
                    headers={"Content-Type": TAXII, "Accept": TAXII},
                )
                assert response.status_code == 202 and response.json()["failure_count"] == 0, response.text
    exercises.tick(server.engine, settings=server.settings, base_url=server.url, now=now + MINUTE)
    for inject in scenario.injects:
        for e in inject.expectations:
            if e.kind == exercises.ExpectationKind.MANUAL:
                exercises.evaluate(
                    server.engine,
                    actor=operator,
                    exercise_id=second,
                    evaluation=exercises.EvaluationCreate(
                        participant="ThaiCERT",
                        inject=inject.id,
                        expectation=e.id,
                        points=e.points,
                        note="full marks",
                    ),
                    now=now + 2 * MINUTE,
                )
    exercises.stop_exercise(server.engine, actor=operator, exercise_id=second, now=now + 3 * MINUTE)

    by = _scores(hub, second)
    full, empty = by["ThaiCERT"], by["VNCERT"]
    assert (full["total"], full["max_points"], full["unscored"]) == (
        scenario.max_points(),
        scenario.max_points(),
        informational,
    )
    assert {r["status"] for r in full["results"]} <= {"met", "evaluated", "unscored"}  # type: ignore[attr-defined]
    assert (empty["total"], empty["max_points"]) == (0, scenario.max_points())
    assert {r["status"] for r in empty["results"]} <= {"missed", "awaiting-evaluation", "unscored"}  # type: ignore[attr-defined]
    own = thai.ok("GET", f"/api/v1/exercises/{second}/scores")
    assert [s["participant"] for s in own["scores"]] == ["ThaiCERT"]
    assert own["distribution"] == [0.0, 100.0]
