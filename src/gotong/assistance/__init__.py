"""Mutual assistance requests between members (Budapest Convention arts. 29-31, and CERT-to-CERT
technical assistance and information requests): each is a STIX object of Gotong's own type with its
messages as STIX notes, seen by its two parties. Other domains and the adapters use only this module.
"""

from gotong.assistance.models import KINDS, Kind, KindInfo, RequestStatus, Urgency, allowed_next
from gotong.assistance.objects import REQUEST_EXTENSION_ID, REQUEST_TYPE
from gotong.assistance.schemas import (
    AssistanceCreate,
    AssistanceFilter,
    AssistancePublic,
    AssistanceUpdate,
    Channel,
    Confirmation,
    MessageCreate,
    MessagePublic,
    OverduePublic,
)
from gotong.assistance.service import (
    ASSISTANCE_COLLECTION,
    add_message,
    check_overdue,
    create_request,
    get_request,
    list_requests,
    overdue_requests,
    update_request,
)

__all__ = [
    "ASSISTANCE_COLLECTION",
    "KINDS",
    "REQUEST_EXTENSION_ID",
    "REQUEST_TYPE",
    "AssistanceCreate",
    "AssistanceFilter",
    "AssistancePublic",
    "AssistanceUpdate",
    "Channel",
    "Confirmation",
    "Kind",
    "KindInfo",
    "MessageCreate",
    "MessagePublic",
    "OverduePublic",
    "RequestStatus",
    "Urgency",
    "add_message",
    "allowed_next",
    "check_overdue",
    "create_request",
    "get_request",
    "list_requests",
    "overdue_requests",
    "update_request",
]
