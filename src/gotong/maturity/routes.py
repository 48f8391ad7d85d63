"""REST for maturity assessments and capacity plans: each handler parses its input, calls one
service verb, returns a schema (or the radar's SVG)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from gotong import maturity
from gotong.http.contract import errors, reject_unknown_query
from gotong.http.dependencies import EngineDep, PrincipalDep
from gotong.maturity import (
    AssessmentCreate,
    AssessmentPublic,
    AssessmentStatus,
    AssessmentUpdate,
    FrameworkPublic,
    GapReport,
    PlanCreate,
    PlanPublic,
    PlanUpdate,
    Publication,
    RegionPublic,
    Review,
    TierPublic,
)

router = APIRouter(prefix="/api/v1/maturity", tags=["maturity"], dependencies=[Depends(reject_unknown_query)])
capacity_router = APIRouter(
    prefix="/api/v1/capacity", tags=["capacity"], dependencies=[Depends(reject_unknown_query)]
)
_SVG: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"image/svg+xml": {"schema": {"type": "string"}}},
        "description": "An accessible SVG chart",
    }
}
Profile = Annotated[str | None, Query(max_length=40, description="default: the framework's target")]


@router.get("/frameworks", response_model=list[FrameworkPublic], responses=errors(401))
def list_frameworks(actor: PrincipalDep) -> list[FrameworkPublic]:
    """The frameworks (SIM3 v1...) with their scale, parameters and target and tier profiles."""
    return maturity.list_frameworks(actor=actor)


@router.get("/assessments", response_model=list[AssessmentPublic], responses=errors(401))
def list_assessments(
    engine: EngineDep,
    actor: PrincipalDep,
    org: Annotated[str | None, Query(max_length=32)] = None,
    status: AssessmentStatus | None = None,
) -> list[AssessmentPublic]:
    """The assessments you may see, newest first."""
    return maturity.list_assessments(engine, actor=actor, org=org, status=status)


@router.post(
    "/assessments", status_code=201, response_model=AssessmentPublic, responses=errors(401, 403, 404)
)
def create_assessment(body: AssessmentCreate, engine: EngineDep, actor: PrincipalDep) -> AssessmentPublic:
    """Start a self-assessment of your organisation (a draft only you see)."""
    return maturity.create_assessment(engine, actor=actor, assessment=body)


@router.get("/assessments/{assessment_id}", response_model=AssessmentPublic, responses=errors(401, 404))
def get_assessment(assessment_id: str, engine: EngineDep, actor: PrincipalDep) -> AssessmentPublic:
    """One assessment: per parameter the level, the self-assessed level, justification and evidence."""
    return maturity.get_assessment(engine, actor=actor, assessment_id=assessment_id)


@router.patch(
    "/assessments/{assessment_id}", response_model=AssessmentPublic, responses=errors(401, 403, 404)
)
def update_assessment(
    assessment_id: str, body: AssessmentUpdate, engine: EngineDep, actor: PrincipalDep
) -> AssessmentPublic:
    """Fill in your draft, or ask an organisation to review it."""
    return maturity.update_assessment(engine, actor=actor, assessment_id=assessment_id, update=body)


@router.post(
    "/assessments/{assessment_id}/review", response_model=AssessmentPublic, responses=errors(401, 403, 404)
)
def review_assessment(
    assessment_id: str, body: Review, engine: EngineDep, actor: PrincipalDep
) -> AssessmentPublic:
    """As the reviewer named: change levels, each with a reason, and say when the review is done."""
    return maturity.review_assessment(engine, actor=actor, assessment_id=assessment_id, review=body)


@router.post(
    "/assessments/{assessment_id}/publish", response_model=AssessmentPublic, responses=errors(401, 403, 404)
)
def publish_assessment(
    assessment_id: str, body: Publication, engine: EngineDep, actor: PrincipalDep
) -> AssessmentPublic:
    """Publish your assessment to the audience you chose (default: your organisation and the hub)."""
    return maturity.publish_assessment(engine, actor=actor, assessment_id=assessment_id, publication=body)


@router.get("/assessments/{assessment_id}/gaps", response_model=GapReport, responses=errors(401, 404))
def assessment_gaps(
    assessment_id: str, engine: EngineDep, actor: PrincipalDep, profile: Profile = None
) -> GapReport:
    """The parameters below the profile in priority order, the tier reached, the change since the previous."""
    return maturity.assessment_gaps(engine, actor=actor, assessment_id=assessment_id, profile=profile)


_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
        "description": "The assessment as a file to fill in offline: CSV, one row per parameter, or JSON",
    }
}


@router.get(
    "/assessments/{assessment_id}/export", response_class=Response, responses={**_FILE, **errors(401, 404)}
)
def export_assessment(
    assessment_id: str,
    engine: EngineDep,
    actor: PrincipalDep,
    format: Annotated[Literal["csv", "json"], Query(description="csv (default) or json")] = "csv",
) -> Response:
    """The assessment as the file ``gotong maturity export`` writes (what the caller may see of it).
    Fill it in and send it back with ``gotong maturity import`` or the web form, or send each entry's
    parameter, level, justification and evidence with PATCH."""
    found = maturity.get_assessment(engine, actor=actor, assessment_id=assessment_id)
    csv = format == "csv"
    return Response(
        content=maturity.to_csv(found) if csv else maturity.to_json(found),
        media_type="text/csv; charset=utf-8" if csv else "application/json",
        headers={"Content-Disposition": f'attachment; filename="{assessment_id}.{format}"'},
    )


@router.get(
    "/assessments/{assessment_id}/radar.svg", response_class=Response, responses={**_SVG, **errors(401, 404)}
)
def radar(
    assessment_id: str,
    engine: EngineDep,
    actor: PrincipalDep,
    category: Annotated[str, Query(max_length=8, description="O, H, T or P for SIM3")] = "O",
    profile: Profile = None,
) -> Response:
    """The radar of one category: the levels against the profile's, as accessible SVG."""
    svg = maturity.radar_svg(
        engine, actor=actor, assessment_id=assessment_id, category=category, profile=profile
    )
    return Response(content=svg, media_type="image/svg+xml")


@router.get("/region", response_model=RegionPublic, responses=errors(401, 404))
def region(
    engine: EngineDep,
    actor: PrincipalDep,
    framework: Annotated[str, Query(max_length=40)] = "sim3-v1",
    profile: Profile = None,
) -> RegionPublic:
    """Each organisation's latest published assessment you may see, with distributions of levels and tiers."""
    return maturity.region(engine, actor=actor, framework=framework, profile=profile)


@router.get("/tiers", response_model=list[TierPublic], responses=errors(401, 404))
def tiers(
    engine: EngineDep, actor: PrincipalDep, framework: Annotated[str, Query(max_length=40)] = "sim3-v1"
) -> list[TierPublic]:
    """The tier each organisation's latest published assessment you may see reaches."""
    return maturity.tiers_for(engine, actor=actor, framework=framework)


@capacity_router.get("/plans", response_model=list[PlanPublic], responses=errors(401))
def list_plans(
    engine: EngineDep, actor: PrincipalDep, org: Annotated[str | None, Query(max_length=32)] = None
) -> list[PlanPublic]:
    """The capacity plans you may see (the hub: the regional plan, who helps whom), newest first."""
    return maturity.list_plans(engine, actor=actor, org=org)


@capacity_router.post("/plans", status_code=201, response_model=PlanPublic, responses=errors(401, 403, 404))
def create_plan(body: PlanCreate, engine: EngineDep, actor: PrincipalDep) -> PlanPublic:
    """A plan from one of your published assessments (default: one item per gap)."""
    return maturity.create_plan(engine, actor=actor, plan=body)


@capacity_router.get("/plans/{plan_id}", response_model=PlanPublic, responses=errors(401, 404))
def get_plan(plan_id: str, engine: EngineDep, actor: PrincipalDep) -> PlanPublic:
    """One plan; a completed item says whether its parameter rose in a newer assessment."""
    return maturity.get_plan(engine, actor=actor, plan_id=plan_id)


@capacity_router.patch("/plans/{plan_id}", response_model=PlanPublic, responses=errors(401, 403, 404))
def update_plan(plan_id: str, body: PlanUpdate, engine: EngineDep, actor: PrincipalDep) -> PlanPublic:
    """Change items (status, evidence, provider...) or add items to your plan."""
    return maturity.update_plan(engine, actor=actor, plan_id=plan_id, update=body)
