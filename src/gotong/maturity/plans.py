"""The verbs of capacity building: a plan per organisation built from the gaps of a published
assessment, its items tracked to completion, and whether each completed item's parameter rose once a
newer assessment is published.

A plan is a STIX object of Gotong's type in the maturity collection, seen through the read path like
an assessment: by default TLP:AMBER+STRICT to a group of the organisation and the hub, so the hub sees
the regional plan (who helps whom) for every member that shares with it, and nobody sees more.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Invalid, NotFound
from gotong.maturity import gaps as analysis
from gotong.maturity import objects, policy, records, storage
from gotong.maturity.models import get_framework
from gotong.maturity.schemas import (
    AssessmentStatus,
    ItemStatus,
    PlanCreate,
    PlanItemCreate,
    PlanPublic,
    PlanUpdate,
)
from gotong.sharing.policy import Reader
from gotong.sharing.service import get_group, load_reader
from gotong.stix.timestamps import now_micros

__all__ = ["create_plan", "get_plan", "list_plans", "update_plan"]


def create_plan(engine: Engine, *, actor: Principal, plan: PlanCreate, now: int | None = None) -> PlanPublic:
    """A plan for the actor's organisation from one of its published assessments: the items given,
    or one item per gap against the profile (the framework's target by default)."""
    policy.may_change(actor)
    at = now if now is not None else now_micros()
    tlp = records.tlp(plan.tlp)
    with read_connection(engine) as conn:
        _, basis = storage.find(conn, load_reader(conn, actor), objects.ASSESSMENT_TYPE, plan.assessment)
        org = records.org_by_identity(conn, basis["org_ref"])
        chosen = get_group(conn, name=plan.sharing_group) if plan.sharing_group else None
        hub_org = records.hub_or_none(conn)
    policy.may_act_as_owner(actor, "make its capacity plan", org_id=org.id)
    if AssessmentStatus(basis["status"]) != AssessmentStatus.PUBLISHED:
        raise Invalid("assessment: a plan is built from a published assessment")
    framework = get_framework(basis["framework"])
    profile = framework.profile(plan.profile)
    levels = objects.levels_of(basis)
    wanted = plan.items
    if wanted is None:
        wanted = [
            PlanItemCreate(
                parameters=[g.parameter], action=f"Raise {g.name} from level {g.level or 0} to {g.target}"
            )
            for g in analysis.gaps(framework, levels, profile)
        ]
    items = [_item(n, framework.id, i) for n, i in enumerate(wanted, start=1)]
    if not items:
        raise Invalid(f"items: the assessment has no gap against {profile.name}; give the plan's items")
    if chosen is not None:
        records.check_audience(chosen, tlp, org)
        group = chosen
    else:
        group = records.pair_group(engine, org, hub_org or org)
    stamp = records.ts(at)
    props: dict[str, Any] = {
        "org_ref": org.identity_id,
        "assessment_ref": basis["id"],
        "framework": framework.id,
        "profile": profile.id,
        "basis_on": basis["assessed_on"],
        "basis_levels": {k: v for k, v in levels.items() if v is not None},
        "items": items,
    }
    obj = objects.record(
        kind=objects.PLAN_TYPE,
        now=stamp,
        created_by_ref=org.identity_id,
        name=f"{org.short_name} capacity plan from the assessment of {basis['assessed_on']}",
        marking_refs=[tlp.marking_id, group.marking_id],
        props=props,
    )
    storage.write(engine, actor, records.collection(engine), [obj])
    return get_plan(engine, actor=actor, plan_id=obj["id"])


def update_plan(
    engine: Engine, *, actor: Principal, plan_id: str, update: PlanUpdate, now: int | None = None
) -> PlanPublic:
    """Change items (status, evidence, provider, owner, due date) or add items. An item is completed
    only with evidence of its completion."""
    policy.may_change(actor)
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        collection, obj = storage.find(conn, load_reader(conn, actor), objects.PLAN_TYPE, plan_id)
        org = records.org_by_identity(conn, obj["org_ref"])
    policy.may_act_as_owner(actor, "change its capacity plan", org_id=org.id)
    if not update.items and not update.add:
        raise Invalid("nothing to change: give item changes or items to add")
    items = {i["item"]: dict(i) for i in obj["items"]}
    for change in update.items:
        if change.item not in items:
            raise Invalid(f"items: the plan has no item {change.item}; it has {', '.join(map(str, items))}")
        item = items[change.item]
        for name in ("evidence", "provider", "owner", "due"):
            value = getattr(change, name)
            if value is not None:
                item[name] = value.strip()
        if change.status is not None:
            if change.status == ItemStatus.COMPLETED and not item.get("evidence"):
                raise Invalid(
                    f"evidence: item {change.item} is completed only with evidence of its completion"
                )
            item["status"] = str(change.status)
    start = max(items, default=0) + 1
    for n, added in enumerate(update.add, start=start):
        items[n] = _item(n, obj["framework"], added)
    props = {"items": [items[k] for k in sorted(items)]}
    stamp = records.after(obj["modified"], at)
    new = objects.revised(obj, modified=stamp, props=props, markings=list(obj["object_marking_refs"]))
    storage.write(engine, actor, collection, [new])
    return get_plan(engine, actor=actor, plan_id=plan_id)


def get_plan(engine: Engine, *, actor: Principal, plan_id: str) -> PlanPublic:
    """One plan the actor may see, each completed item saying whether its parameter rose."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        _, obj = storage.find(conn, reader, objects.PLAN_TYPE, plan_id)
        return _public(conn, reader, obj, records.names(conn), records.groups(conn))


def list_plans(engine: Engine, *, actor: Principal, org: str | None = None) -> list[PlanPublic]:
    """The plans the actor may see (the hub: every member's that shares with it), newest first."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        names, groups = records.names(conn), records.groups(conn)
        found = [_public(conn, reader, obj, names, groups) for _, obj in storage.plans(conn, reader)]
    return sorted(
        (p for p in found if org is None or p.org == org), key=lambda p: (p.created, p.id), reverse=True
    )


def _public(
    conn: Connection, reader: Reader, obj: dict[str, Any], names: dict[str, str], groups: dict[str, str]
) -> PlanPublic:
    """The plan with the latest published assessment after its basis that the reader sees."""
    newer = None
    for _, a in storage.assessments(conn, reader):
        if (
            a["org_ref"] == obj["org_ref"]
            and a["framework"] == obj["framework"]
            and a["status"] == str(AssessmentStatus.PUBLISHED)
            and a["assessed_on"] > obj["basis_on"]
            and (newer is None or (a["assessed_on"], a["created"]) > (newer["assessed_on"], newer["created"]))
        ):
            newer = a
    return objects.plan_public(obj, names=names, groups=groups, newer=newer, basis=obj["basis_levels"])


def _item(number: int, framework_id: str, item: PlanItemCreate) -> dict[str, Any]:
    framework = get_framework(framework_id)
    parameters = []
    for p in item.parameters:
        try:
            parameters.append(framework.parameter(p.strip().upper()).id)
        except NotFound as exc:
            raise Invalid(f"parameters: {exc.message}") from None
    made: dict[str, Any] = {
        "item": number,
        "parameters": parameters,
        "action": item.action.strip(),
        "owner": item.owner.strip(),
        "provider": item.provider.strip(),
        "status": str(ItemStatus.PLANNED),
        "evidence": "",
    }
    for name in ("start", "due"):
        value = getattr(item, name)
        if value is not None:
            made[name] = value
    return made
