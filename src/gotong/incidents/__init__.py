"""Incident cases shared across the network: a case is a STIX incident with the OASIS Incident Core
Extension and Gotong's case extension; its timeline events, tasks and impacts are STIX objects of their
own, each under its own marking. Other domains and the adapters use only what this module exports."""

from gotong.incidents.models import (
    PAP,
    SEVERITY_LEVELS,
    CaseStatus,
    Determination,
    EventKind,
    ImpactCategory,
    ParticipantRole,
    TaskOutcome,
    allowed_next,
)
from gotong.incidents.objects import CASE_EXTENSION_ID
from gotong.incidents.schemas import (
    CaseCreate,
    CaseFilter,
    CasePublic,
    CaseUpdate,
    EntryPublic,
    EventCreate,
    ImpactCreate,
    Participant,
    TaskCreate,
    TaskUpdate,
)
from gotong.incidents.service import (
    add_event,
    add_impact,
    add_task,
    case_from_alert,
    get_case,
    list_cases,
    open_case,
    update_case,
    update_task,
)

__all__ = [
    "CASE_EXTENSION_ID",
    "PAP",
    "SEVERITY_LEVELS",
    "CaseCreate",
    "CaseFilter",
    "CasePublic",
    "CaseStatus",
    "CaseUpdate",
    "Determination",
    "EntryPublic",
    "EventCreate",
    "EventKind",
    "ImpactCategory",
    "ImpactCreate",
    "Participant",
    "ParticipantRole",
    "TaskCreate",
    "TaskOutcome",
    "TaskUpdate",
    "add_event",
    "add_impact",
    "add_task",
    "allowed_next",
    "case_from_alert",
    "get_case",
    "list_cases",
    "open_case",
    "update_case",
    "update_task",
]
