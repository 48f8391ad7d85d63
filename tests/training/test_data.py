"""The training domain's public surface, its data files, and the documentation that describes them."""

from __future__ import annotations

import re
from pathlib import Path

from gotong import training
from gotong.training.routes import router

DOC = " ".join((Path(__file__).parents[2] / "docs" / "training.md").read_text("utf-8").split())


def test_the_public_verbs_and_schemas_are_pinned() -> None:
    assert sorted(training.__all__) == sorted(
        [
            "ALLOCATION", "Attestation", "COURSE_TYPE", "CompletionCreate", "ComplianceFilter",
            "CompliancePublic", "ComplianceStatus", "CourseCreate", "CourseFormat", "CoursePublic",
            "CourseUpdate", "DEFAULT_NETWORK", "ENROLMENT_TYPE", "EnrolmentCreate", "EnrolmentFilter",
            "EnrolmentPublic", "EnrolmentStatus", "EvidencePublic", "Level", "Moved", "Reminder",
            "Requirement", "RequirementPublic", "SessionCreate", "SessionPublic", "SessionUpdate", "TOPICS",
            "TRAINING_COLLECTION", "add_course", "add_months", "attest", "compliance_for", "enrol",
            "evidence_for", "get_course", "list_courses", "list_enrolments", "list_requirements",
            "requirement", "requirements", "send_moved_sessions", "send_reminders", "update_course",
        ]
    )  # fmt: skip
    assert all(hasattr(training, name) for name in training.__all__)


def test_the_asean_requirements_are_the_ones_the_docs_state() -> None:
    found = {r.key: r for r in training.requirements("asean")}
    assert set(found) == {"incident-handling", "sharing-practice"}
    assert (found["incident-handling"].staff, found["incident-handling"].every_months) == (2, 12)
    assert (found["sharing-practice"].role, found["sharing-practice"].every_months) == ("analyst", 12)
    assert all(r.due_soon_days == 30 for r in found.values())
    for key in found:
        assert f"`{key}`" in DOC
    assert "at least **two staff**" in DOC and "from 30 days before" in DOC
    assert training.requirements("no-such-network") == ()


def test_the_allocation_rule_and_topics_are_the_ones_the_docs_state() -> None:
    assert (training.ALLOCATION.per_org, training.ALLOCATION.reserve_days) == (2, 14)
    assert "by default 14 days before it starts" in DOC and "at most **two** seats" in DOC
    assert training.TOPICS["incident-handling"].sim3 == ("H-5",)
    assert training.TOPICS["information-sharing"].sim3 == ("H-5", "H-6")
    assert "incident handling → H-5; information sharing → H-5, H-6" in DOC
    for topic in training.TOPICS.values():
        assert all(re.fullmatch(r"H-[1-7]", p) for p in topic.sim3)  # SIM3's Human parameters


def test_every_rest_path_is_in_the_docs() -> None:
    for route in router.routes:
        path = getattr(route, "path", "")
        assert path.replace("{course_id}", "{id}").replace("{enrolment_id}", "{id}") in DOC, path
