"""REST for the norms catalogue and implementation reports: parse, call one service verb, return a schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from gotong import norms
from gotong.core.permissions import require_member
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.norms import (
    NormPublic,
    ProposalCreate,
    ProposalPublic,
    ReportCreate,
    ReportFilter,
    ReportPublic,
    ReportUpdate,
    SummaryPublic,
)

router = APIRouter(prefix="/api/v1/norms", tags=["norms"], dependencies=[Depends(reject_unknown_query)])


@router.get("", response_model=list[NormPublic], responses=errors(401))
def list_norms(engine: EngineDep, actor: PrincipalDep) -> list[NormPublic]:
    """The catalogue: every norm with its implementation items, and the proposed regional norms
    (adopted once the taskforce passes a motion to adopt one)."""
    require_member(actor)
    return norms.list_norms(engine)


@router.get("/proposals", response_model=list[ProposalPublic], responses=errors(401))
def list_proposals(engine: EngineDep, actor: PrincipalDep) -> list[ProposalPublic]:
    """The regional norms proposed through Gotong that you may see (the taskforce sees them all, a
    proposer its own)."""
    return norms.list_proposals(engine, actor=actor)


@router.post("/proposals", status_code=201, response_model=ProposalPublic, responses=errors(401, 403, 404))
def propose_norm(body: ProposalCreate, engine: EngineDep, actor: PrincipalDep) -> ProposalPublic:
    """Propose a regional norm, or a new version of one, to the taskforce (TLP:AMBER to it)."""
    return norms.propose_norm(engine, actor=actor, proposal=body)


@router.get("/proposals/{proposal_id}", response_model=ProposalPublic, responses=errors(401, 404))
def get_proposal(proposal_id: str, engine: EngineDep, actor: PrincipalDep) -> ProposalPublic:
    """One proposal (a motion to adopt a norm names it by this id)."""
    return norms.get_proposal(engine, actor=actor, proposal_id=proposal_id)


@router.get("/reports", response_model=list[ReportPublic], responses=errors(401))
def list_reports(
    engine: EngineDep, actor: PrincipalDep, filter: Annotated[ReportFilter, Depends()]
) -> list[ReportPublic]:
    """The implementation reports you may see."""
    return norms.list_reports(engine, actor=actor, filter=filter)


@router.post("/reports", status_code=201, response_model=ReportPublic, responses=errors(401, 403, 409))
def create_report(body: ReportCreate, engine: EngineDep, actor: PrincipalDep) -> ReportPublic:
    """File your organisation's report for a cycle (every item not started)."""
    return norms.create_report(engine, actor=actor, report=body)


@router.get("/summaries", response_model=list[SummaryPublic], responses=errors(401))
def list_summaries(engine: EngineDep, actor: PrincipalDep) -> list[SummaryPublic]:
    """The published summaries (counts per norm, no narrative)."""
    return norms.list_summaries(engine, actor=actor)


@router.get("/reports/{report_id}", response_model=ReportPublic, responses=errors(401, 404))
def get_report(report_id: str, engine: EngineDep, actor: PrincipalDep) -> ReportPublic:
    """One report, with the evidence Gotong's records offer for its items."""
    return norms.get_report(engine, actor=actor, report_id=report_id)


@router.patch("/reports/{report_id}", response_model=ReportPublic, responses=errors(401, 403, 404))
def update_report(report_id: str, body: ReportUpdate, engine: EngineDep, actor: PrincipalDep) -> ReportPublic:
    """Fill in items (status, narrative, evidence) and publish the summary (the member only)."""
    return norms.update_report(engine, actor=actor, report_id=report_id, update=body)
