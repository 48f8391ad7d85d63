"""The regional posture report: per period (monthly and quarterly by a job, and on demand), an
executive summary for officials, one section per domain present and seen by the reader, tables in
an appendix; HTML, PDF, CSV and JSON; mailed to subscribers. Each stored report is the view of the
one organisation it was generated for and only that organisation reads it.
Other domains and the adapters use only this module."""

from gotong.reports.after_action import AfterActionPublic, after_action_report
from gotong.reports.render import (
    render_after_action_body,
    render_after_action_html,
    render_after_action_pdf,
    render_body,
    render_csv,
    render_html,
    render_pdf,
)
from gotong.reports.schemas import (
    ReportCreate,
    ReportPublic,
    ReportSummary,
    SectionPublic,
    SubscriberCreate,
    SubscriberPublic,
    TablePublic,
)
from gotong.reports.sections import ReportSection, SectionBuilder, register_section, registered_sections
from gotong.reports.service import (
    SCHEDULED_KINDS,
    generate_report,
    get_report,
    list_reports,
    run_scheduled,
    subscribe,
    subscribers_of,
    unsubscribe,
)

__all__ = [
    "SCHEDULED_KINDS",
    "AfterActionPublic",
    "ReportCreate",
    "ReportPublic",
    "ReportSection",
    "ReportSummary",
    "SectionBuilder",
    "SectionPublic",
    "SubscriberCreate",
    "SubscriberPublic",
    "TablePublic",
    "after_action_report",
    "generate_report",
    "get_report",
    "list_reports",
    "register_section",
    "registered_sections",
    "render_after_action_body",
    "render_after_action_html",
    "render_after_action_pdf",
    "render_body",
    "render_csv",
    "render_html",
    "render_pdf",
    "run_scheduled",
    "subscribe",
    "subscribers_of",
    "unsubscribe",
]
