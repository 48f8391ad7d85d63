"""Who may do what to an assessment or a plan: rules of the domain that are not sharing rules.

Whether an organisation may *see* an assessment is never decided here: that is the sharing policy's,
applied by the intel read path. These rules, called only by ``service.py``, decide what one that sees
it may *change*:

* nobody changes anything with a read-only token; an operator at the command line (no role) may;
* only the assessed organisation fills in its assessment (while a draft), asks for a review,
  publishes it, and makes and updates its capacity plan;
* only the reviewer it named changes levels, while the assessment is in review, each with a reason;
* a published assessment is final: the next cycle is a new assessment.
"""

from __future__ import annotations

from gotong.core.auth import Principal
from gotong.core.permissions import require_member, require_writer
from gotong.errors import Forbidden, Invalid
from gotong.maturity.schemas import AssessmentStatus


def may_read(actor: Principal) -> None:
    require_member(actor)


def may_change(actor: Principal) -> None:
    """Refuse anonymous callers and read-only tokens before any change (before any look-up)."""
    require_member(actor)
    require_writer(actor)


def may_act_as_owner(actor: Principal, what: str, *, org_id: int) -> None:
    may_change(actor)
    if actor.org_id != org_id:
        raise Forbidden(f"only the assessed organisation may {what}")


def may_fill_in(actor: Principal, status: AssessmentStatus, *, org_id: int) -> None:
    may_act_as_owner(actor, "fill in its assessment", org_id=org_id)
    if status != AssessmentStatus.DRAFT:
        raise Invalid(f"entries: an assessment that is {status} is no longer filled in; start a new one")


def may_review(actor: Principal, status: AssessmentStatus, *, reviewer_id: int | None) -> None:
    may_change(actor)
    if reviewer_id is None or actor.org_id != reviewer_id:
        raise Forbidden("only the reviewer the assessed organisation named may review its assessment")
    if status != AssessmentStatus.IN_REVIEW:
        raise Invalid(f"review: an assessment that is {status} is not in review")


def may_publish(actor: Principal, status: AssessmentStatus, *, org_id: int) -> None:
    may_act_as_owner(actor, "publish its assessment", org_id=org_id)
    if status not in (AssessmentStatus.DRAFT, AssessmentStatus.REVIEWED):
        raise Invalid(f"status: an assessment that is {status} cannot be published now")
