"""REST for the scoreboard: each handler parses its input, calls one service verb, returns a schema."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from gotong import scoreboard
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.scoreboard import (
    MatrixPublic,
    ScoreboardPublic,
    ScoreboardSettingsPublic,
    ScoreboardSettingsUpdate,
)

router = APIRouter(
    prefix="/api/v1/scoreboard", tags=["scoreboard"], dependencies=[Depends(reject_unknown_query)]
)

PeriodQuery = Annotated[
    str,
    Query(max_length=40, description="month, quarter, year, YYYY-MM, YYYY-Qn, YYYY, YYYY-MM-DD..YYYY-MM-DD"),
]


@router.get("", response_model=ScoreboardPublic, responses=errors(400, 401, 403, 404))
def get_scoreboard(
    engine: EngineDep,
    actor: PrincipalDep,
    period: PeriodQuery = "month",
    org: Annotated[str | None, Query(max_length=32)] = None,
) -> ScoreboardPublic:
    """The region's figures and the detail you may see (your own, published ones; all for the hub)."""
    return scoreboard.scoreboard(engine, actor=actor, period=period, org=org)


@router.get("/matrix", response_model=MatrixPublic, responses=errors(400, 401))
def get_matrix(engine: EngineDep, actor: PrincipalDep, period: PeriodQuery = "month") -> MatrixPublic:
    """Who shares with whom, by TLP, in the cells you may see."""
    return scoreboard.matrix(engine, actor=actor, period=period)


@router.get("/settings", response_model=ScoreboardSettingsPublic, responses=errors(401))
def get_settings(engine: EngineDep, actor: PrincipalDep) -> ScoreboardSettingsPublic:
    """Whether your organisation publishes its detail, and the team size it recorded."""
    return scoreboard.scoreboard_settings_of(engine, actor=actor)


@router.patch("/settings", response_model=ScoreboardSettingsPublic, responses=errors(401, 403))
def update_settings(
    body: ScoreboardSettingsUpdate, engine: EngineDep, actor: PrincipalDep
) -> ScoreboardSettingsPublic:
    """Publish or withdraw your organisation's detail, or record its team size (coordinators, admins)."""
    return scoreboard.update_scoreboard_settings(engine, actor=actor, change=body)
