"""Norms of responsible state behaviour: the catalogue (UN GGE 2015 and regional norms, as data) and
members' implementation reports, each a STIX object seen through the sharing policy (by default the
member and the taskforce only), with an optional TLP:CLEAR summary of counts. Other domains (the
taskforce, reports) use only this module; the regional report reads :func:`implementation_status`.
"""

from gotong.norms.adoption import adopt_norm, on_motion_decided
from gotong.norms.catalogue import Catalogue, Norm, NormItem, catalogue, norm, proposed
from gotong.norms.evidence import assistance_figures
from gotong.norms.models import ItemStatus, cycle_bounds, cycle_of
from gotong.norms.objects import EXTENSION_ID, REPORT_TYPE, SUMMARY_TYPE
from gotong.norms.proposals import PROPOSAL_TYPE, get_proposal, list_proposals
from gotong.norms.schemas import (
    EntryPublic,
    EntryUpdate,
    NormPublic,
    NormStatus,
    OfferedEvidence,
    ProposalCreate,
    ProposalItem,
    ProposalPublic,
    ReportCreate,
    ReportFilter,
    ReportPublic,
    ReportUpdate,
    SummaryPublic,
)
from gotong.norms.service import (
    NORMS_COLLECTION,
    answered_norms,
    create_report,
    get_report,
    implementation_status,
    list_norms,
    list_reports,
    list_summaries,
    propose_norm,
    update_report,
)

__all__ = [
    "EXTENSION_ID",
    "NORMS_COLLECTION",
    "PROPOSAL_TYPE",
    "REPORT_TYPE",
    "SUMMARY_TYPE",
    "Catalogue",
    "EntryPublic",
    "EntryUpdate",
    "ItemStatus",
    "Norm",
    "NormItem",
    "NormPublic",
    "NormStatus",
    "OfferedEvidence",
    "ProposalCreate",
    "ProposalItem",
    "ProposalPublic",
    "ReportCreate",
    "ReportFilter",
    "ReportPublic",
    "ReportUpdate",
    "SummaryPublic",
    "adopt_norm",
    "answered_norms",
    "assistance_figures",
    "catalogue",
    "create_report",
    "cycle_bounds",
    "cycle_of",
    "get_proposal",
    "get_report",
    "implementation_status",
    "list_norms",
    "list_proposals",
    "list_reports",
    "list_summaries",
    "norm",
    "on_motion_decided",
    "propose_norm",
    "proposed",
    "update_report",
]
