"""Compliance with the network's compulsory training, and completions as evidence for SIM3.

Both are computed only over the enrolments the asker may see (the intel read path, hence the sharing
policy, decides which); which organisations' compliance is shown is ``policy.shows_compliance_of``.
The day judged on is a parameter, so tests (and ``?on=``) control the clock.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection

from gotong.core.auth import Principal, Role
from gotong.errors import NotFound
from gotong.orgs.service import Organisation, get_org, hub, list_orgs, user_emails
from gotong.training import policy
from gotong.training.models import DEFAULT_NETWORK, EnrolmentStatus, Requirement, requirements
from gotong.training.rules import judge
from gotong.training.schemas import CompliancePublic, EvidencePublic, RequirementPublic
from gotong.training.service import today_of, visible_enrolments

__all__ = ["compliance_for", "evidence_for", "list_requirements"]


def compliance_for(
    conn: Connection,
    *,
    actor: Principal,
    org: str | None = None,
    on: date | None = None,
    now: int | None = None,
    network: str = DEFAULT_NETWORK,
) -> list[CompliancePublic]:
    """Each requirement of the network for each organisation it applies to whose compliance the actor
    may be shown (its own; every member's for the hub), judged on ``on`` (default: the day of ``now``)."""
    policy.may_read(actor)
    today = on or today_of(now)
    try:
        hub_id: int | None = hub(conn).id
    except NotFound:
        hub_id = None
    wanted = [get_org(conn, short_name=org)] if org is not None else list_orgs(conn)
    shown = [o for o in wanted if policy.shows_compliance_of(actor, org_id=o.id, hub_id=hub_id)]
    if org is not None and not shown:
        raise NotFound(
            f"the compliance of {org} is not shown to you (only your own; the hub sees every member's)"
        )
    completions = _completions(visible_enrolments(conn, actor))
    found = []
    for o in shown:
        for req in requirements(network):
            if str(o.kind) not in req.applies_to:
                continue
            verdict = judge(
                req,
                completions=completions.get((o.identity_id, req.topic), {}),
                people_with_role=_people(conn, o, req),
                today=today,
            )
            found.append(
                CompliancePublic(
                    org=o.short_name,
                    requirement=req.key,
                    title=req.title,
                    status=verdict.status,
                    due_on=verdict.due_on,
                    counted=verdict.counted,
                    needed=verdict.needed,
                )
            )
    return found


def evidence_for(conn: Connection, *, actor: Principal, org: str) -> list[EvidencePublic]:
    """The attested completions of ``org`` the actor may see, one row per SIM3 parameter its course
    serves (H-4, H-5, H-6 ...): evidence for the Human parameters of a self-assessment."""
    policy.may_read(actor)
    found_org = get_org(conn, short_name=org)
    names = {o.identity_id: o.short_name for o in list_orgs(conn)}
    rows = []
    for e in visible_enrolments(conn, actor):
        if e["org_ref"] != found_org.identity_id or e["status"] != str(EnrolmentStatus.COMPLETED):
            continue
        for parameter in e.get("sim3_parameters", []):
            rows.append(
                EvidencePublic(
                    parameter=parameter,
                    org=org,
                    course=e["course_ref"],
                    course_title=e.get("name", ""),
                    participant=e["participant"],
                    completed_on=date.fromisoformat(e["completed_on"]),
                    enrolment=e["id"],
                    attested_by=names.get(e.get("attested_by_ref", ""), e.get("attested_by_ref", "")),
                )
            )
    return sorted(rows, key=lambda r: (r.parameter, r.completed_on, r.enrolment))


def _completions(enrolments: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, date]]:
    """(organisation identity, topic) → participant → the day of their latest completion."""
    found: dict[tuple[str, str], dict[str, date]] = defaultdict(dict)
    for e in enrolments:
        if e["status"] != str(EnrolmentStatus.COMPLETED) or not e.get("completed_on"):
            continue
        day = date.fromisoformat(e["completed_on"])
        for topic in e.get("topics", []):
            people = found[(e["org_ref"], topic)]
            if e["participant"] not in people or people[e["participant"]] < day:
                people[e["participant"]] = day
    return found


def _people(conn: Connection, org: Organisation, req: Requirement) -> list[str]:
    if req.role is None:
        return []
    return user_emails(conn, org_id=org.id, roles=[Role(req.role)])


def list_requirements(*, actor: Principal, network: str = DEFAULT_NETWORK) -> list[RequirementPublic]:
    """The network's compulsory training, as the data file states it."""
    policy.may_read(actor)
    return [
        RequirementPublic(
            key=r.key,
            network=r.network,
            title=r.title,
            kind=str(r.kind),
            applies_to=list(r.applies_to),
            topic=r.topic,
            staff=r.staff,
            role=r.role,
            every_months=r.every_months,
            due_soon_days=r.due_soon_days,
        )
        for r in requirements(network)
    ]
