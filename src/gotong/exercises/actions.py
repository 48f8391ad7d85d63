"""The action items of a drill's after-action: a lesson turned into work for one participant (what is
to be done, who carries it, by when), tracked to closure with evidence, and optionally serving an item
of that participant's capacity-building plan.

An action item is a ``gotong-exercise-action`` record in the exercise collection under the same pair
group as the participant's score (the participant and the hub), so a participant sees only its own
items and the hub all. The hub writes every version (as it writes scores); who asked for the change
is in the item's history. The link to a plan item is read through the maturity domain as the reader,
so a plan the reader may not see shows as the link alone. Closing an item its participant closes also
completes the plan item it serves (through the maturity domain, as that participant, with the same
evidence); a plan item completed on its own shows on the action item.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from gotong import maturity
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Forbidden, Invalid, NotFound
from gotong.exercises import objects, policy, records, storage
from gotong.exercises.objects import ACTION_TYPE, EXERCISE_TYPE
from gotong.exercises.scenarios import parse_scenario
from gotong.exercises.schemas import (
    ActionItemCreate,
    ActionItemPublic,
    ActionItemUpdate,
    ActionStatus,
    CapacityLink,
    HistoryEntry,
)
from gotong.orgs.service import Organisation, get_org, hub
from gotong.sharing.service import load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import now_micros

__all__ = ["create_action_item", "list_action_items", "update_action_item"]


def create_action_item(
    engine: Engine, *, actor: Principal, exercise_id: str, item: ActionItemCreate, now: int | None = None
) -> ActionItemPublic:
    """An action item of a drill for one of its participants: the hub's coordinators add one for any
    participant, a participant for itself."""
    at = now if now is not None else now_micros()
    policy.may_read(actor)
    with read_connection(engine) as conn:
        controller = hub(conn)
        collection, exercise = records.find(conn, load_reader(conn, actor), exercise_id)
        if actor.org_id == controller.id:
            if not item.participant:
                raise Invalid("participant: name the participant that carries the action item")
            participant = get_org(conn, short_name=item.participant.strip())
        else:
            participant = get_org(conn, org_id=actor.org_id)
            if item.participant and item.participant.strip() != participant.short_name:
                raise Forbidden("a participant adds action items for itself only")
    _may_change(actor, controller, participant, "add an action item")
    if participant.identity_id not in exercise["participant_refs"]:
        raise Invalid(f"participant: {participant.short_name} did not take part in this drill")
    _check_scenario(exercise, item.objective, item.inject, item.expectation)
    link = _link(engine, actor, participant, item.capacity_plan, item.capacity_item)
    group = records.group(
        engine,
        f"drill {participant.short_name}+{controller.short_name}",
        [participant.short_name, controller.short_name],
        controller,
    )
    stamp = records.ts(at)
    obj = objects.record(
        ACTION_TYPE,
        stix_id=objects.new_id(ACTION_TYPE),
        exercise_id=exercise_id,
        now=stamp,
        by=controller.identity_id,
        markings=[TLP.AMBER_STRICT.marking_id, group.marking_id],
        props={
            "name": item.action.strip()[:300],
            "exercise_ref": exercise_id,
            "participant_ref": participant.identity_id,
            "task": item.action.strip(),  # ``action`` is reserved in STIX 2.1
            "owner": item.owner.strip(),
            "due": item.due,
            "status": str(ActionStatus.OPEN),
            "objective": item.objective,
            "inject": item.inject,
            "expectation": item.expectation,
            **link,
            "history": [records.entry("created", stamp, actor)],
        },
    )
    storage.write(engine, _as_hub(controller), collection, [obj])
    return _one(engine, actor, obj["id"], at)


def update_action_item(
    engine: Engine,
    *,
    actor: Principal,
    exercise_id: str,
    action_id: str,
    update: ActionItemUpdate,
    now: int | None = None,
) -> ActionItemPublic:
    """Close an action item (only with evidence of what was done), reopen it, or change its owner, due
    date or plan link; by its participant or the hub's coordinators."""
    at = now if now is not None else now_micros()
    policy.may_read(actor)
    with read_connection(engine) as conn:
        controller = hub(conn)
        reader = load_reader(conn, actor)
        collection, _exercise = records.find(conn, reader, exercise_id)
        obj = records.one(conn, reader, collection, ACTION_TYPE, action_id, "action item")
        participant = records.org_by_identity(conn, obj["participant_ref"])
    if obj["exercise_ref"] != exercise_id:
        raise NotFound(f"action item {action_id} is not one of exercise {exercise_id}")
    _may_change(actor, controller, participant, "change an action item")
    props = objects.props_of(obj)
    stamp = records.after(obj["modified"], at)
    events = []
    for name in ("evidence", "owner", "due"):
        value = getattr(update, name)
        if value is not None and value.strip() != props.get(name, ""):
            props[name] = value.strip()
            events.append(f"{name} changed")
    if "capacity_plan" in update.model_fields_set or "capacity_item" in update.model_fields_set:
        for key in ("capacity_plan", "capacity_item"):
            props.pop(key, None)
        props.update(_link(engine, actor, participant, update.capacity_plan, update.capacity_item))
        events.append("plan link changed")
    closing = update.status == ActionStatus.CLOSED and props["status"] != ActionStatus.CLOSED
    if closing:
        if not props.get("evidence"):
            raise Invalid("evidence: an action item is closed only with evidence of what was done")
        props["status"], props["closed_at"] = str(ActionStatus.CLOSED), records.ts(at)
        events.append("closed")
    elif update.status == ActionStatus.OPEN and props["status"] != ActionStatus.OPEN:
        props["status"] = str(ActionStatus.OPEN)
        props.pop("closed_at", None)
        events.append("reopened")
    if not events:
        raise Invalid("nothing to change: the action item already reads so")
    if closing and props.get("capacity_plan") and actor.org_id == participant.id:
        _complete_plan_item(engine, actor, props, at)
    props["history"] = [*props["history"], *(records.entry(e, stamp, actor) for e in events)]
    kept = {
        k: v
        for k, v in obj.items()
        if k not in props and k not in ("closed_at", "capacity_plan", "capacity_item")
    }
    new = {k: v for k, v in {**kept, **props}.items() if v is not None and v != []}
    storage.write(engine, _as_hub(controller), collection, [{**new, "modified": stamp}])
    return _one(engine, actor, action_id, at)


def list_action_items(
    engine: Engine,
    *,
    actor: Principal,
    exercise_id: str | None = None,
    scenario_id: str | None = None,
    overdue: bool | None = None,
    now: int | None = None,
) -> list[ActionItemPublic]:
    """The action items the actor may see (its own; every participant's for the hub), of one drill
    or of every drill (of one scenario), earliest due first."""
    at = now if now is not None else now_micros()
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        collection = records.existing_collection(conn)
        if collection is None:
            return []
        if exercise_id is not None:
            records.find(conn, reader, exercise_id)
        drills = {o["id"]: o for o in storage.latest(conn, reader, collection, types=(EXERCISE_TYPE,))}
        names, groups = records.names(conn), records.groups(conn)
        found = [
            o
            for o in storage.latest(conn, reader, collection, types=(ACTION_TYPE,))
            if (exercise_id is None or o["exercise_ref"] == exercise_id)
            and (scenario_id is None or drills.get(o["exercise_ref"], {}).get("scenario_id") == scenario_id)
        ]
    plans: dict[str, maturity.PlanPublic | None] = {}
    items = [_public(engine, actor, o, drills, names, groups, plans, at) for o in found]
    if overdue is not None:
        items = [i for i in items if i.overdue == overdue]
    return sorted(items, key=lambda i: (i.due, i.created, i.id))


# --- helpers -------------------------------------------------------------------------------------------


def _as_hub(controller: Organisation) -> Principal:
    return Principal(org_id=controller.id, org_short=controller.short_name)


def _may_change(actor: Principal, controller: Organisation, participant: Organisation, what: str) -> None:
    if actor.org_id == controller.id:
        policy.may_control(actor, hub_id=controller.id)
    else:
        policy.may_respond(actor, participant_id=participant.id, what=what)


def _check_scenario(
    exercise: dict[str, Any], objective: str | None, inject: str | None, expectation: str | None
) -> None:
    scenario = parse_scenario(exercise["scenario"])
    if objective is not None and objective not in {o.id for o in scenario.objectives}:
        raise Invalid(f"objective: the scenario has no objective {objective!r}")
    if expectation is not None and inject is None:
        raise Invalid("inject: name the inject of the expectation")
    if inject is not None:
        found = scenario.inject(inject)
        if expectation is not None and expectation not in {e.id for e in found.expectations}:
            raise Invalid(f"expectation: inject {inject} has no expectation {expectation!r}")


def _link(
    engine: Engine, actor: Principal, participant: Organisation, plan_id: str | None, number: int | None
) -> dict[str, Any]:
    """The plan link's properties, checked as the actor: a plan of the participant that it sees."""
    if plan_id is None and number is None:
        return {}
    if plan_id is None or number is None:
        raise Invalid("capacity_plan: give both the plan and its item number, or neither")
    try:
        plan = maturity.get_plan(engine, actor=actor, plan_id=plan_id.strip())
    except NotFound:
        raise Invalid(f"capacity_plan: no capacity plan {plan_id.strip()} is visible to you") from None
    if plan.org != participant.short_name:
        raise Invalid(f"capacity_plan: the plan is {plan.org}'s, not {participant.short_name}'s")
    if number not in {i.item for i in plan.items}:
        raise Invalid(f"capacity_item: the plan has no item {number}")
    return {"capacity_plan": plan.id, "capacity_item": number}


def _complete_plan_item(engine: Engine, actor: Principal, props: dict[str, Any], at: int) -> None:
    plan = maturity.get_plan(engine, actor=actor, plan_id=props["capacity_plan"])
    (item,) = [i for i in plan.items if i.item == props["capacity_item"]]
    if item.status in (maturity.ItemStatus.COMPLETED, maturity.ItemStatus.CANCELLED):
        return
    # Neither the drill nor the item is named: the plan may be shared wider than the drill.
    evidence = f"Completed through a drill action item: {props['evidence']}"
    maturity.update_plan(
        engine,
        actor=actor,
        plan_id=plan.id,
        update=maturity.PlanUpdate(
            items=[
                maturity.PlanItemUpdate(
                    item=item.item, status=maturity.ItemStatus.COMPLETED, evidence=evidence[:5000]
                )
            ]
        ),
        now=at,
    )


def _one(engine: Engine, actor: Principal, action_id: str, at: int) -> ActionItemPublic:
    (found,) = [i for i in list_action_items(engine, actor=actor, now=at) if i.id == action_id]
    return found


def _today(at: int) -> str:
    return datetime.fromtimestamp(at / 1_000_000, tz=UTC).date().isoformat()


def _public(
    engine: Engine,
    actor: Principal,
    obj: dict[str, Any],
    drills: dict[str, dict[str, Any]],
    names: dict[str, str],
    groups: dict[str, str],
    plans: dict[str, maturity.PlanPublic | None],
    at: int,
) -> ActionItemPublic:
    link = None
    if obj.get("capacity_plan"):
        plan_id = obj["capacity_plan"]
        if plan_id not in plans:
            try:
                plans[plan_id] = maturity.get_plan(engine, actor=actor, plan_id=plan_id)
            except NotFound:
                plans[plan_id] = None
        plan = plans[plan_id]
        item = next((i for i in plan.items if i.item == obj["capacity_item"]), None) if plan else None
        link = CapacityLink(
            plan=plan_id,
            item=obj["capacity_item"],
            action=item.action if item else None,
            status=str(item.status) if item else None,
        )
    status = ActionStatus(obj["status"])
    ref = objects.audience_of(obj)
    return ActionItemPublic(
        id=obj["id"],
        exercise=obj["exercise_ref"],
        exercise_name=drills.get(obj["exercise_ref"], {}).get("name", ""),
        participant=names.get(obj["participant_ref"], obj["participant_ref"]),
        action=obj["task"],
        owner=obj["owner"],
        due=obj["due"],
        status=status,
        overdue=status == ActionStatus.OPEN and obj["due"] < _today(at),
        evidence=obj.get("evidence", ""),
        objective=obj.get("objective"),
        inject=obj.get("inject"),
        expectation=obj.get("expectation"),
        capacity=link,
        history=[HistoryEntry(**h) for h in obj["history"]],
        closed_at=obj.get("closed_at"),
        created=obj["created"],
        modified=obj["modified"],
        tlp=objects.tlp_of(obj),
        audience=groups.get(ref, ref) if ref else None,
    )
