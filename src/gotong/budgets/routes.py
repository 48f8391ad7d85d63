"""REST for budgets: parse, call one service verb, return a schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from gotong import budgets
from gotong.budgets import BudgetCreate, BudgetFilter, BudgetPublic, CompliancePublic, MandatePublic
from gotong.core.permissions import require_member
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep

router = APIRouter(prefix="/api/v1/budgets", tags=["budgets"], dependencies=[Depends(reject_unknown_query)])


@router.get("/mandates", response_model=list[MandatePublic], responses=errors(401))
def list_mandates(actor: PrincipalDep) -> list[MandatePublic]:
    """The budget mandates: their rules and phase-in trajectories (the one in force last)."""
    require_member(actor)
    return budgets.list_mandates()


@router.get("/reports", response_model=list[BudgetPublic], responses=errors(401))
def list_reports(
    engine: EngineDep, actor: PrincipalDep, filter: Annotated[BudgetFilter, Depends()]
) -> list[BudgetPublic]:
    """The budget reports you may see, with amounts (your own; every one for the taskforce)."""
    return budgets.list_reports(engine, actor=actor, filter=filter)


@router.post("/reports", status_code=201, response_model=BudgetPublic, responses=errors(401, 403, 404, 409))
def create_report(body: BudgetCreate, engine: EngineDep, actor: PrincipalDep) -> BudgetPublic:
    """File your organisation's budget for a year (optionally publishing its ranges)."""
    return budgets.create_report(engine, actor=actor, report=body)


@router.get("/reports/{report_id}", response_model=BudgetPublic, responses=errors(401, 404))
def get_report(report_id: str, engine: EngineDep, actor: PrincipalDep) -> BudgetPublic:
    """One budget report you may see."""
    return budgets.get_report(engine, actor=actor, report_id=report_id)


@router.post("/reports/{report_id}/ranges", response_model=BudgetPublic, responses=errors(401, 403, 404))
def publish_ranges(report_id: str, engine: EngineDep, actor: PrincipalDep) -> BudgetPublic:
    """Publish the report's bands to every member (never its amounts); again changes nothing."""
    return budgets.publish_ranges(engine, actor=actor, report_id=report_id)


@router.get("/compliance", response_model=list[CompliancePublic], responses=errors(401))
def compliance(
    engine: EngineDep, actor: PrincipalDep, year: Annotated[int | None, Query()] = None
) -> list[CompliancePublic]:
    """Each member's standing against the mandate: exact where you see its report, else its bands."""
    return budgets.compliance(engine, actor=actor, year=year)
