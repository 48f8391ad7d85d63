"""Who may do what in the training domain: rules that are not sharing rules, called only by
``service.py``.

Whether an organisation may *see* a course or an enrolment is never decided here: that is the
sharing policy's, applied by the intel read path. These rules decide what an organisation that
sees a record may *change*:

* nobody changes anything with a read-only token; an operator at the command line (no role) may;
* any analyst or above publishes a course, whose provider is then their organisation;
* an organisation enrols its own people; only it cancels its enrolments;
* only the course's provider, or the hub, edits a published course;
* only the course's provider attests attendance, a no-show or a completion;
* compliance is shown for the reader's own organisation, and to the hub for every member: the hub is
  in the audience of every enrolment made with the default audience, so its view is complete, while
  another member's partial view would show a member as overdue that is not.
"""

from __future__ import annotations

from gotong.core.auth import Principal
from gotong.core.permissions import require_member, require_writer
from gotong.errors import Forbidden, Invalid
from gotong.training.models import EnrolmentStatus

_NEXT = {
    EnrolmentStatus.ENROLLED: {
        EnrolmentStatus.CANCELLED,
        EnrolmentStatus.ATTENDED,
        EnrolmentStatus.NO_SHOW,
        EnrolmentStatus.COMPLETED,
    },
    EnrolmentStatus.ATTENDED: {EnrolmentStatus.COMPLETED, EnrolmentStatus.NO_SHOW},
    EnrolmentStatus.NO_SHOW: {EnrolmentStatus.ATTENDED},
    EnrolmentStatus.CANCELLED: set(),
    EnrolmentStatus.COMPLETED: set(),
}
HELD = frozenset(s for s in EnrolmentStatus if s != EnrolmentStatus.CANCELLED)
"""The statuses in which an enrolment holds its seat."""


def may_read(actor: Principal) -> None:
    require_member(actor)


def may_change(actor: Principal) -> None:
    """Refuse anonymous callers and read-only tokens before any change (before any look-up)."""
    require_writer(actor)


def may_move(
    actor: Principal, current: EnrolmentStatus, to: EnrolmentStatus, *, org_id: int, provider_id: int
) -> None:
    may_change(actor)
    if to == EnrolmentStatus.CANCELLED:
        if actor.org_id != org_id:
            raise Forbidden("only the enrolled organisation may cancel its enrolment")
    elif actor.org_id != provider_id:
        raise Forbidden(f"only the course's provider attests that an enrolment is {to}")
    if to not in _NEXT[current]:
        choices = ", ".join(sorted(_NEXT[current])) or "none: the enrolment has ended"
        raise Invalid(f"status: an enrolment that is {current} cannot become {to}; next: {choices}")


def may_edit_course(actor: Principal, *, provider_id: int, hub_id: int | None) -> None:
    may_change(actor)
    if actor.org_id is not None and actor.org_id not in (provider_id, hub_id):
        raise Forbidden("only the course's provider or the hub edits a course")


def shows_compliance_of(actor: Principal, *, org_id: int, hub_id: int | None) -> bool:
    return actor.org_id == org_id or (hub_id is not None and actor.org_id == hub_id)
