"""REST for assistance requests: each handler parses its input, calls one service verb, returns a schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from gotong import assistance
from gotong.assistance import (
    AssistanceCreate,
    AssistanceFilter,
    AssistancePublic,
    AssistanceUpdate,
    MessageCreate,
    MessagePublic,
)
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep

router = APIRouter(
    prefix="/api/v1/assistance", tags=["assistance"], dependencies=[Depends(reject_unknown_query)]
)


@router.post("", status_code=201, response_model=AssistancePublic, responses=errors(401, 403, 404))
def create_request(body: AssistanceCreate, engine: EngineDep, actor: PrincipalDep) -> AssistancePublic:
    """Write a request to another organisation and send it (or keep it as a draft)."""
    return assistance.create_request(engine, actor=actor, request=body)


@router.get("", response_model=list[AssistancePublic], responses=errors(401))
def list_requests(
    engine: EngineDep, actor: PrincipalDep, filter: Annotated[AssistanceFilter, Depends()]
) -> list[AssistancePublic]:
    """The requests you may see (without their messages), newest first."""
    return assistance.list_requests(engine, actor=actor, filter=filter)


@router.get("/{request_id}", response_model=AssistancePublic, responses=errors(401, 404))
def get_request(request_id: str, engine: EngineDep, actor: PrincipalDep) -> AssistancePublic:
    """One request with its messages."""
    return assistance.get_request(engine, actor=actor, request_id=request_id)


@router.patch("/{request_id}", response_model=AssistancePublic, responses=errors(401, 403, 404))
def update_request(
    request_id: str, body: AssistanceUpdate, engine: EngineDep, actor: PrincipalDep
) -> AssistancePublic:
    """Change the status (as the party allowed to), renew a preservation, record a confirmation."""
    return assistance.update_request(engine, actor=actor, request_id=request_id, update=body)


@router.post(
    "/{request_id}/messages", status_code=201, response_model=MessagePublic, responses=errors(401, 403, 404)
)
def add_message(
    request_id: str, body: MessageCreate, engine: EngineDep, actor: PrincipalDep
) -> MessagePublic:
    """Add a message to the request's thread (its two parties only)."""
    return assistance.add_message(engine, actor=actor, request_id=request_id, message=body)
