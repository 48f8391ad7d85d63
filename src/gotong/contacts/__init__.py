"""The 24/7 contact directory and its reachability checks (issue 16, first half).

Points of contact per organisation, each field under its own visibility (public, members, hub) as
:func:`gotong.sharing.policy.may_see_field` decides; challenges sent by webhook or e-mail and
acknowledged once with no other credential, or phone checks recorded by a coordinator; a sweep that
falls back to the next alternate and escalates to the hub; a reachability record per contact and
organisation. Other domains and the adapters use only what this module exports.
"""

from gotong.contacts.bundle import BundleCheck, export_bundle, verify_bundle
from gotong.contacts.checks import (
    CODE_TRIES,
    acknowledge,
    acknowledge_code,
    issue,
    list_checks,
    pending_check,
    reply_code,
    run_check,
    sweep,
)
from gotong.contacts.models import Channel, CheckStatus
from gotong.contacts.notify import Delivery, contact_roles, notify_org
from gotong.contacts.reachability import in_business_hours, nearest_rank, reachability
from gotong.contacts.schedule import next_check, run_schedule
from gotong.contacts.schemas import (
    AckPublic,
    BusinessHours,
    CheckCreate,
    CheckPublic,
    ContactCreate,
    ContactPublic,
    ContactReachability,
    ContactUpdate,
    OrgReachability,
    PendingCheck,
)
from gotong.contacts.service import (
    create_contact,
    get_contact,
    list_contacts,
    public_directory,
    require_edit,
    update_contact,
)
from gotong.contacts.signing import SIGNATURE_HEADER
from gotong.sharing.policy import FieldVisibility

__all__ = [
    "CODE_TRIES",
    "SIGNATURE_HEADER",
    "AckPublic",
    "BundleCheck",
    "BusinessHours",
    "Channel",
    "CheckCreate",
    "CheckPublic",
    "CheckStatus",
    "ContactCreate",
    "ContactPublic",
    "ContactReachability",
    "ContactUpdate",
    "Delivery",
    "FieldVisibility",
    "OrgReachability",
    "PendingCheck",
    "acknowledge",
    "acknowledge_code",
    "contact_roles",
    "create_contact",
    "export_bundle",
    "get_contact",
    "in_business_hours",
    "issue",
    "list_checks",
    "list_contacts",
    "nearest_rank",
    "next_check",
    "notify_org",
    "pending_check",
    "public_directory",
    "reachability",
    "reply_code",
    "require_edit",
    "run_check",
    "run_schedule",
    "sweep",
    "update_contact",
    "verify_bundle",
]
