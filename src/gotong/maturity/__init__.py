"""CERT maturity assessment and capacity building: frameworks as data (SIM3 v1 with target and tier
profiles), each organisation's assessments as STIX objects of Gotong's own type that it shares with
the audience it chooses (default: itself and the hub), gap analysis, accessible SVG charts, the
regional view computed only over what the reader may see, and capacity plans built from the gaps.
Other domains (the scoreboard, reports) and the adapters use only this module.
"""

from gotong.maturity.charts import heat_map, history_chart, radar
from gotong.maturity.exchange import entries_from_csv, entries_from_json, to_csv, to_json
from gotong.maturity.models import Framework, Parameter, Profile, ProfileKind, frameworks, get_framework
from gotong.maturity.objects import ASSESSMENT_TYPE, PLAN_TYPE
from gotong.maturity.plans import create_plan, get_plan, list_plans, update_plan
from gotong.maturity.records import MATURITY_COLLECTION
from gotong.maturity.schemas import (
    AssessmentCreate,
    AssessmentPublic,
    AssessmentStatus,
    AssessmentUpdate,
    EntryInput,
    FrameworkPublic,
    GapReport,
    ItemStatus,
    PlanCreate,
    PlanItemCreate,
    PlanItemUpdate,
    PlanPublic,
    PlanUpdate,
    Publication,
    RegionPublic,
    Review,
    ReviewChange,
    TierPublic,
)
from gotong.maturity.service import (
    assessment_gaps,
    create_assessment,
    get_assessment,
    history,
    list_assessments,
    list_frameworks,
    publish_assessment,
    radar_svg,
    region,
    review_assessment,
    tiers_for,
    update_assessment,
)

__all__ = [
    "ASSESSMENT_TYPE",
    "MATURITY_COLLECTION",
    "PLAN_TYPE",
    "AssessmentCreate",
    "AssessmentPublic",
    "AssessmentStatus",
    "AssessmentUpdate",
    "EntryInput",
    "Framework",
    "FrameworkPublic",
    "GapReport",
    "ItemStatus",
    "Parameter",
    "PlanCreate",
    "PlanItemCreate",
    "PlanItemUpdate",
    "PlanPublic",
    "PlanUpdate",
    "Profile",
    "ProfileKind",
    "Publication",
    "RegionPublic",
    "Review",
    "ReviewChange",
    "TierPublic",
    "assessment_gaps",
    "create_assessment",
    "create_plan",
    "entries_from_csv",
    "entries_from_json",
    "frameworks",
    "get_assessment",
    "get_framework",
    "get_plan",
    "heat_map",
    "history",
    "history_chart",
    "list_assessments",
    "list_frameworks",
    "list_plans",
    "publish_assessment",
    "radar",
    "radar_svg",
    "region",
    "review_assessment",
    "tiers_for",
    "to_csv",
    "to_json",
    "update_assessment",
    "update_plan",
]
