"""Action items of a drill's after-action, tracked to closure: the hub adds them for a participant,
a participant for itself; each participant sees only its own (the hub all); an item closes only with
evidence; an open one past its due date is overdue; an item linked to the participant's
capacity-building plan shows the plan item's status, and closing it completes the plan item; the
report counts and lists them as the reader may see them; none leaves in a real export. Also the
same verbs from the command line."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from gotong import exercises, maturity, reports
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.demo import load_demo
from gotong.errors import Forbidden, Invalid, NotFound
from gotong.intel.bulk import export_bundle
from gotong.orgs.service import operator_for
from gotong.stix.timestamps import now_micros
from tests.cli.test_cli import fails, ok

MINUTE = 60_000_000


def _org(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return operator_for(conn, org=org)


def _at(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp() * 1_000_000)


def _stopped_tabletop(engine: Engine, participants: list[str], *, t0: int, name: str = "Tabletop") -> str:
    hub = _org(engine, "ASEAN-CERT")
    body = exercises.ExerciseCreate(scenario="regional-crisis-tabletop", name=name, participants=participants)
    drill = exercises.create_exercise(engine, actor=hub, exercise=body, now=t0).id
    exercises.start_exercise(engine, actor=hub, exercise_id=drill, now=t0)
    exercises.tick(engine, settings=None, now=t0 + 331 * MINUTE)
    exercises.stop_exercise(engine, actor=hub, exercise_id=drill, now=t0 + 332 * MINUTE)
    return drill


def _camcert_plan(engine: Engine) -> maturity.PlanPublic:
    (plan,) = maturity.list_plans(engine, actor=_org(engine, "CamCERT"), org="CamCERT")
    return plan


def test_action_items_are_tracked_to_closure_each_participant_seeing_its_own(engine: Engine) -> None:
    load_demo(engine)
    hub, cam, viet = (_org(engine, o) for o in ("ASEAN-CERT", "CamCERT", "VNCERT"))
    drill = _stopped_tabletop(engine, ["CamCERT", "VNCERT"], t0=now_micros() - 400 * MINUTE)
    plan = _camcert_plan(engine)
    status = {i.item: i.status for i in plan.items}
    assert (status[3], status[4]) == ("in-progress", "planned")

    def add(actor: Principal, **fields: object) -> exercises.ActionItemPublic:
        item = exercises.ActionItemCreate.model_validate({"owner": "SOC lead", "due": "2027-01-31", **fields})
        return exercises.create_action_item(engine, actor=actor, exercise_id=drill, item=item)

    training = add(
        hub,
        participant="CamCERT",
        action="Train two analysts on the wiper's disk images",
        objective="assist",
        inject="assistance",
        expectation="offer",
        capacity_plan=plan.id,
        capacity_item=4,
    )
    assert training.capacity is not None
    assert (training.capacity.item, training.capacity.status) == (4, "planned")
    assert training.capacity.action == "Two analysts through an incident-handling course"
    statement = add(
        cam, action="Agree holding lines with the ministry", capacity_plan=plan.id, capacity_item=3
    )
    rota = add(hub, participant="VNCERT", action="Name a second escalation contact", due="2026-01-15")
    assert (training.status, training.participant, training.tlp) == ("open", "CamCERT", "amber+strict")

    # The sharing rules: each participant its own items, the hub every one.
    assert {a.id for a in exercises.list_action_items(engine, actor=cam, exercise_id=drill)} == {
        training.id,
        statement.id,
    }
    assert [a.id for a in exercises.list_action_items(engine, actor=viet, exercise_id=drill)] == [rota.id]
    assert len(exercises.list_action_items(engine, actor=hub, exercise_id=drill)) == 3
    closing = exercises.ActionItemUpdate(status=exercises.ActionStatus.CLOSED, evidence="done")
    with pytest.raises(NotFound):
        exercises.update_action_item(
            engine, actor=viet, exercise_id=drill, action_id=training.id, update=closing
        )
    with pytest.raises(Forbidden):
        add(cam, participant="VNCERT", action="Not ours to give")
    with pytest.raises(Invalid, match="the plan is CamCERT's, not VNCERT's"):
        add(hub, participant="VNCERT", action="x", capacity_plan=plan.id, capacity_item=4)
    with pytest.raises(Invalid, match="did not take part"):
        add(hub, participant="ThaiCERT", action="x")
    with pytest.raises(Invalid, match="no objective"):
        add(cam, action="x", objective="no-such-objective")

    # Overdue: open past its due date, by the clock the caller gives.
    late = exercises.list_action_items(
        engine, actor=hub, exercise_id=drill, overdue=True, now=_at("2026-06-01")
    )
    assert [a.id for a in late] == [rota.id]
    later = exercises.list_action_items(
        engine, actor=hub, exercise_id=drill, overdue=True, now=_at("2027-02-01")
    )
    assert {a.id for a in later} == {training.id, statement.id, rota.id}

    # Closed only with evidence; closing by the participant completes the plan item it serves.
    with pytest.raises(Invalid, match="evidence"):
        exercises.update_action_item(
            engine,
            actor=cam,
            exercise_id=drill,
            action_id=training.id,
            update=exercises.ActionItemUpdate(status=exercises.ActionStatus.CLOSED),
        )
    closed = exercises.update_action_item(
        engine,
        actor=cam,
        exercise_id=drill,
        action_id=training.id,
        update=exercises.ActionItemUpdate(
            status=exercises.ActionStatus.CLOSED, evidence="Both passed the course"
        ),
    )
    assert (closed.status, closed.overdue, closed.evidence) == ("closed", False, "Both passed the course")
    assert closed.closed_at is not None and [h.event for h in closed.history] == [
        "created",
        "evidence changed",
        "closed",
    ]
    assert closed.capacity is not None and closed.capacity.status == "completed"
    item4 = next(i for i in _camcert_plan(engine).items if i.item == 4)
    assert (
        item4.status == "completed"
        and item4.evidence == "Completed through a drill action item: Both passed the course"
    )
    # And the other way: the plan item completed in the plan shows on the open action item.
    maturity.update_plan(
        engine,
        actor=cam,
        plan_id=plan.id,
        update=maturity.PlanUpdate(
            items=[
                maturity.PlanItemUpdate(item=3, status=maturity.ItemStatus.COMPLETED, evidence="Published")
            ]
        ),
    )
    (still,) = [
        a for a in exercises.list_action_items(engine, actor=cam, exercise_id=drill) if a.id == statement.id
    ]
    assert still.status == "open" and still.capacity is not None and still.capacity.status == "completed"
    # The hub closes VNCERT's item; reopening it works too.
    exercises.update_action_item(engine, actor=hub, exercise_id=drill, action_id=rota.id, update=closing)
    reopened = exercises.update_action_item(
        engine,
        actor=viet,
        exercise_id=drill,
        action_id=rota.id,
        update=exercises.ActionItemUpdate(status=exercises.ActionStatus.OPEN),
    )
    assert reopened.status == "open" and reopened.closed_at is None and reopened.overdue

    # The report: the reader's own items only, with the overdue ones counted; the spread stays anonymised.
    own = reports.after_action_report(engine, actor=viet, exercise_id=drill)
    assert [a.id for a in own.actions] == [rota.id]
    tracked = next(s for s in own.sections if s.key == "actions").tables[0]
    assert [row[1] for row in tracked.rows] == ["VNCERT"] and tracked.rows[0][4] == "open (overdue)"
    assert any("1 open (1 overdue), 0 closed" in line for line in own.summary)
    assert next(s for s in own.sections if s.key == "spread").chart_svg
    every = reports.after_action_report(engine, actor=hub, exercise_id=drill)
    assert {row[1] for row in next(s for s in every.sections if s.key == "actions").tables[0].rows} == {
        "CamCERT",
        "VNCERT",
    }
    # Exercise-marked: never in a real export (the positive control: a real record of the demo is).
    for org in ("CamCERT", "ASEAN-CERT"):
        out = io.StringIO()
        export_bundle(engine, out=out, org=org)
        assert training.id not in out.getvalue() and '"indicator"' in out.getvalue()


def test_action_items_from_the_command_line(engine: Engine, database_url: str) -> None:
    node = database_url
    drill = _stopped_tabletop(engine, ["ThaiCERT", "VNCERT"], t0=now_micros() - 400 * MINUTE)
    said = ok(
        node,
        "exercise",
        "add-action",
        drill,
        "--participant",
        "ThaiCERT",
        "--action",
        "Write the press lines down",
        "--owner",
        "Head of CERT",
        "--due",
        "2026-01-01",
    )
    assert "for ThaiCERT, due 2026-01-01" in said
    (item,) = json.loads(ok(node, "exercise", "actions", drill, "--org", "ThaiCERT", "--json"))
    assert item["overdue"] is True
    assert json.loads(ok(node, "exercise", "actions", drill, "--org", "VNCERT", "--json")) == []
    assert "OVERDUE" in ok(node, "exercise", "actions", drill, "--overdue")
    assert "evidence" in fails(
        node, "exercise", "update-action", drill, item["id"], "--org", "ThaiCERT", "--close"
    )
    bad_date = ("--participant", "VNCERT", "--action", "x", "--owner", "y", "--due", "2026-1-1")
    assert "due" in fails(node, "exercise", "add-action", drill, *bad_date)
    assert "name the participant" in fails(
        node, "exercise", "add-action", drill, "--action", "x", "--owner", "y", "--due", "2026-01-01"
    )
    closed = ok(
        node,
        "exercise",
        "update-action",
        drill,
        item["id"],
        "--org",
        "ThaiCERT",
        "--close",
        "--evidence",
        "In the wiki",
    )
    assert f"action item {item['id']}: closed" in closed
    assert ok(node, "exercise", "actions", drill, "--overdue").strip() == ""
