"""Helpers for the maturity tests: an organisation's operator, and assessments made and published
through the domain's verbs with levels the test chooses."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Engine

from gotong import maturity
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.maturity import AssessmentCreate, EntryInput, Publication
from gotong.orgs.service import get_org

SIM3 = maturity.get_framework("sim3-v1")


def as_org(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def levels(default: int, **chosen: int) -> dict[str, int]:
    """Every SIM3 parameter at ``default``, those named (O_1=3 for O-1) at their own level."""
    given = {k.replace("_", "-"): v for k, v in chosen.items()}
    return {p.id: given.get(p.id, default) for p in SIM3.parameters}


def entries(of: Mapping[str, int | None]) -> list[EntryInput]:
    return [
        EntryInput(parameter=p, level=v, justification=f"{p} as we practise it", evidence=[f"doc-{p}.pdf"])
        for p, v in of.items()
    ]


def published(
    engine: Engine,
    org: str,
    of: Mapping[str, int | None],
    *,
    on: str = "2026-06-01",
    tlp: str = "amber+strict",
    group: str | None = None,
    whole_network: bool = False,
) -> maturity.AssessmentPublic:
    actor = as_org(engine, org)
    made = maturity.create_assessment(
        engine, actor=actor, assessment=AssessmentCreate(assessed_on=on, entries=entries(of), tlp=tlp)
    )
    return maturity.publish_assessment(
        engine,
        actor=actor,
        assessment_id=made.id,
        publication=Publication(sharing_group=group, whole_network=whole_network or None),
    )
