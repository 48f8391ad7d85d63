"""REST for playbooks: each handler parses its input, calls one service verb, returns a schema."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from gotong import playbooks
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep, SettingsDep
from gotong.playbooks import PlaybookApply, PlaybookImport, PlaybookPublic, PlaybookSummary, RunPublic

router = APIRouter(prefix="/api/v1", tags=["playbooks"], dependencies=[Depends(reject_unknown_query)])

Version = Annotated[str | None, Query(max_length=40, description="a version's modified; default: latest")]


@router.get("/playbooks", response_model=list[PlaybookSummary], responses=errors(401))
def list_playbooks(engine: EngineDep, actor: PrincipalDep) -> list[PlaybookSummary]:
    """The latest version of each playbook you may see."""
    return playbooks.list_playbooks(engine, actor=actor)


@router.post(
    "/playbooks", status_code=201, response_model=PlaybookPublic, responses=errors(401, 403, 404, 409)
)
def import_playbook(
    body: PlaybookImport, engine: EngineDep, settings: SettingsDep, actor: PrincipalDep
) -> PlaybookPublic:
    """Import a CACAO 2.0 playbook (a new version keeps the older ones); 400 names what fails."""
    return playbooks.import_playbook(engine, actor=actor, request=body, schemas=settings.cacao_schemas)


@router.get("/playbooks/{playbook_id}", response_model=PlaybookPublic, responses=errors(401, 404))
def get_playbook(
    playbook_id: str, engine: EngineDep, actor: PrincipalDep, version: Version = None
) -> PlaybookPublic:
    """One playbook you may see, with its CACAO document and the list of its versions."""
    return playbooks.get_playbook(engine, actor=actor, playbook_id=playbook_id, version=version)


@router.get("/playbooks/{playbook_id}/export", response_model=dict[str, Any], responses=errors(401, 404))
def export_playbook(
    playbook_id: str, engine: EngineDep, actor: PrincipalDep, version: Version = None
) -> dict[str, Any]:
    """The CACAO 2.0 document alone, as it was imported."""
    return playbooks.get_playbook(engine, actor=actor, playbook_id=playbook_id, version=version).document


@router.post(
    "/cases/{case_id}/playbook", status_code=201, response_model=RunPublic, responses=errors(401, 403, 404)
)
def apply_playbook(case_id: str, body: PlaybookApply, engine: EngineDep, actor: PrincipalDep) -> RunPublic:
    """Apply a playbook to a case: its first steps become tasks by role; its clocks start."""
    return playbooks.apply_playbook(engine, actor=actor, case_id=case_id, apply=body)


@router.get("/cases/{case_id}/playbook", response_model=list[RunPublic], responses=errors(401, 404))
def case_playbooks(case_id: str, engine: EngineDep, actor: PrincipalDep) -> list[RunPublic]:
    """The playbooks applied to a case: their steps, tasks and clocks."""
    return playbooks.case_playbooks(engine, actor=actor, case_id=case_id)


@router.post(
    "/cases/{case_id}/playbook/advance", response_model=list[RunPublic], responses=errors(401, 403, 404)
)
def advance_playbooks(case_id: str, engine: EngineDep, actor: PrincipalDep) -> list[RunPublic]:
    """Follow the case's playbooks past the outcomes recorded: the next steps become tasks."""
    return playbooks.advance_playbooks(engine, actor=actor, case_id=case_id)
