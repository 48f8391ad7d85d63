"""The scenarios exercises are made from: the shipped templates and those imported on this node (stored
as ``gotong-exercise-scenario`` records in the exercise collection), exported as the same JSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Conflict, NotFound
from gotong.exercises import objects, policy, records, storage
from gotong.exercises.objects import SCENARIO_TYPE
from gotong.exercises.scenarios import Scenario, parse_scenario, shipped_scenarios
from gotong.exercises.schemas import ScenarioSummary
from gotong.intel.collections import get_collection
from gotong.orgs.service import hub
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import micros_of, now_micros

__all__ = ["export_scenario", "import_scenario", "list_scenarios"]


def list_scenarios(engine: Engine, *, actor: Principal) -> list[ScenarioSummary]:
    """The shipped templates and the scenarios imported on this node."""
    policy.may_read(actor)
    found = {s.id: (s, True) for s in shipped_scenarios().values()}
    with read_connection(engine) as conn:
        for obj in _imported(conn, actor, engine):
            scenario = parse_scenario(obj["scenario"])
            found.setdefault(scenario.id, (scenario, False))
    return [
        ScenarioSummary.of(s, shipped=shipped) for s, shipped in sorted(found.values(), key=lambda f: f[0].id)
    ]


def export_scenario(engine: Engine, *, actor: Principal, scenario_id: str) -> Scenario:
    """A scenario as the JSON another network imports."""
    policy.may_read(actor)
    shipped = shipped_scenarios().get(scenario_id)
    if shipped is not None:
        return shipped
    with read_connection(engine) as conn:
        for obj in _imported(conn, actor, engine):
            if obj.get("scenario_id") == scenario_id:
                return parse_scenario(obj["scenario"])
    raise NotFound(f"no scenario {scenario_id!r}; see GET /api/v1/scenarios")


def import_scenario(
    engine: Engine, *, actor: Principal, scenario: Scenario, now: int | None = None
) -> ScenarioSummary:
    """Store a scenario (from another network, or written here) for the hub's exercises; importing
    one of the same id again replaces it. The shipped templates' ids are taken."""
    with read_connection(engine) as conn:
        controller = hub(conn)
    policy.may_control(actor, hub_id=controller.id)
    if scenario.id in shipped_scenarios():
        raise Conflict(f"scenario id {scenario.id!r} is a shipped template's; give yours another id")
    collection = records.collection(engine)
    stamp = records.ts(now if now is not None else now_micros())
    with read_connection(engine) as conn:
        old = next((o for o in _imported(conn, actor, engine) if o.get("scenario_id") == scenario.id), None)
    props = {"name": scenario.title, "scenario_id": scenario.id, "scenario": scenario.model_dump(mode="json")}
    if old is None:
        sid = objects.new_id(SCENARIO_TYPE)
        obj = objects.record(
            SCENARIO_TYPE,
            stix_id=sid,
            exercise_id=sid,
            now=stamp,
            by=controller.identity_id,
            markings=[TLP.GREEN.marking_id],
            props=props,
        )
    else:
        obj = objects.revised(old, modified=records.after(old["modified"], micros_of(stamp)), props=props)
    storage.write(engine, actor, collection, [objects.extension_definition(controller.identity_id), obj])
    return ScenarioSummary.of(scenario, shipped=False)


def _imported(conn: Connection, actor: Principal, engine: Engine) -> list[dict[str, Any]]:
    try:
        collection = get_collection(conn, records.EXERCISE_COLLECTION).id
    except NotFound:
        return []
    return list(storage.latest(conn, load_reader(conn, actor), collection, types=(SCENARIO_TYPE,)))
