"""Compulsory training (issue 17, training half): the course catalogue with sessions and seats,
enrolment with a fair seat allocation, attendance and completion attested by the provider, the
network's requirements as data, and compliance per organisation with reminders. Courses and
enrolments are STIX objects of Gotong's own types, seen through the sharing policy.

Other domains use only this module: ``evidence_for`` gives an organisation's completions as
evidence for the SIM3 Human parameters, ``compliance_for`` the compliance an actor may be shown.
"""

from gotong.training.compliance import compliance_for, evidence_for, list_requirements
from gotong.training.models import (
    ALLOCATION,
    DEFAULT_NETWORK,
    TOPICS,
    CourseFormat,
    EnrolmentStatus,
    Level,
    Requirement,
    requirement,
    requirements,
)
from gotong.training.objects import COURSE_TYPE, ENROLMENT_TYPE
from gotong.training.reminders import Moved, Reminder, send_moved_sessions, send_reminders
from gotong.training.rules import ComplianceStatus, add_months
from gotong.training.schemas import (
    Attestation,
    CompletionCreate,
    ComplianceFilter,
    CompliancePublic,
    CourseCreate,
    CoursePublic,
    CourseUpdate,
    EnrolmentCreate,
    EnrolmentFilter,
    EnrolmentPublic,
    EvidencePublic,
    RequirementPublic,
    SessionCreate,
    SessionPublic,
    SessionUpdate,
)
from gotong.training.service import (
    TRAINING_COLLECTION,
    add_course,
    attest,
    enrol,
    get_course,
    list_courses,
    list_enrolments,
    update_course,
)

__all__ = [
    "ALLOCATION",
    "COURSE_TYPE",
    "DEFAULT_NETWORK",
    "ENROLMENT_TYPE",
    "TOPICS",
    "TRAINING_COLLECTION",
    "Attestation",
    "CompletionCreate",
    "ComplianceFilter",
    "CompliancePublic",
    "ComplianceStatus",
    "CourseCreate",
    "CourseFormat",
    "CoursePublic",
    "CourseUpdate",
    "EnrolmentCreate",
    "EnrolmentFilter",
    "EnrolmentPublic",
    "EnrolmentStatus",
    "EvidencePublic",
    "Level",
    "Moved",
    "Reminder",
    "Requirement",
    "RequirementPublic",
    "SessionCreate",
    "SessionPublic",
    "SessionUpdate",
    "add_course",
    "add_months",
    "attest",
    "compliance_for",
    "enrol",
    "evidence_for",
    "get_course",
    "list_courses",
    "list_enrolments",
    "list_requirements",
    "requirement",
    "requirements",
    "send_moved_sessions",
    "send_reminders",
    "update_course",
]
