"""Capacity plans: built from the gaps, completed only with evidence, seen by the hub (the regional
plan) and not by other members, and each completed item shows whether its parameter rose once a
newer assessment is published."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from gotong import maturity
from gotong.errors import Forbidden, Invalid, NotFound
from gotong.maturity import ItemStatus, PlanCreate, PlanItemCreate, PlanItemUpdate, PlanUpdate
from tests.maturity.conftest import as_org, levels, published


def test_a_plan_from_the_gaps_tracks_items_and_shows_whether_the_parameter_rose(engine: Engine) -> None:
    cam = as_org(engine, "CamCERT")
    first = published(engine, "CamCERT", levels(1, T_4=0), on="2025-06-01")
    plan = maturity.create_plan(engine, actor=cam, plan=PlanCreate(assessment=first.id))
    assert [i.parameters for i in plan.items][:2] == [["T-4"], ["O-1"]]  # the gap of 2 first
    assert plan.items[0].action == "Raise Incident Tracking System from level 0 to 2"
    plan = maturity.update_plan(
        engine,
        actor=cam,
        plan_id=plan.id,
        update=PlanUpdate(
            add=[PlanItemCreate(parameters=["H-5"], action="Incident handling course", provider="SingCERT")]
        ),
    )
    extra = plan.items[-1].item
    with pytest.raises(Invalid, match="evidence"):
        maturity.update_plan(
            engine,
            actor=cam,
            plan_id=plan.id,
            update=PlanUpdate(items=[PlanItemUpdate(item=1, status=ItemStatus.COMPLETED)]),
        )
    done = [
        PlanItemUpdate(item=1, status=ItemStatus.COMPLETED, evidence="Gotong case tracking in use"),
        PlanItemUpdate(item=extra, status=ItemStatus.COMPLETED, evidence="Two staff certified"),
    ]
    plan = maturity.update_plan(engine, actor=cam, plan_id=plan.id, update=PlanUpdate(items=done))
    assert all(i.rose is None for i in plan.items)  # no newer assessment yet

    published(engine, "CamCERT", levels(1, T_4=2), on="2026-06-01")  # T-4 rose, H-5 did not
    plan = maturity.get_plan(engine, actor=cam, plan_id=plan.id)
    rose = {i.item: i.rose for i in plan.items}
    assert rose[1] is True and rose[extra] is False
    assert rose[2] is None  # not completed: nothing to say
    assert plan.newer_assessment is not None

    hub_plans = maturity.list_plans(engine, actor=as_org(engine, "ASEAN-CERT"))
    assert [(p.org, p.items[-1].provider) for p in hub_plans] == [("CamCERT", "SingCERT")]
    assert maturity.list_plans(engine, actor=as_org(engine, "ThaiCERT")) == []
    with pytest.raises(NotFound):
        maturity.get_plan(engine, actor=as_org(engine, "ThaiCERT"), plan_id=plan.id)


def test_only_the_assessed_organisation_plans_from_its_published_assessment(engine: Engine) -> None:
    first = published(engine, "CamCERT", levels(1))
    with pytest.raises(Forbidden):
        maturity.create_plan(engine, actor=as_org(engine, "ASEAN-CERT"), plan=PlanCreate(assessment=first.id))
