"""Cybersecurity budgets against a mandate: mandates, rates and bands as data; members' yearly budget
reports as STIX objects confidential to the member and the taskforce, with ranges a member may
publish; compliance (met, on trajectory, below) computed only over what the reader may see. Other
domains and the adapters use only this module; the regional report reads :func:`compliance`.
"""

from gotong.budgets.models import (
    CATEGORIES,
    Category,
    ComplianceStatus,
    Mandate,
    RuleKind,
    judge,
    mandates,
    rate,
)
from gotong.budgets.objects import EXTENSION_ID, RANGES_TYPE, REPORT_TYPE
from gotong.budgets.schemas import (
    BudgetCreate,
    BudgetFilter,
    BudgetPublic,
    CompliancePublic,
    MandatePublic,
    RangesPublic,
)
from gotong.budgets.service import (
    BUDGETS_COLLECTION,
    compliance,
    create_report,
    get_report,
    list_mandates,
    list_ranges,
    list_reports,
    publish_ranges,
)

__all__ = [
    "BUDGETS_COLLECTION",
    "CATEGORIES",
    "EXTENSION_ID",
    "RANGES_TYPE",
    "REPORT_TYPE",
    "BudgetCreate",
    "BudgetFilter",
    "BudgetPublic",
    "Category",
    "CompliancePublic",
    "ComplianceStatus",
    "Mandate",
    "MandatePublic",
    "RangesPublic",
    "RuleKind",
    "compliance",
    "create_report",
    "get_report",
    "judge",
    "list_mandates",
    "list_ranges",
    "list_reports",
    "mandates",
    "publish_ranges",
    "rate",
]
