"""Who may do what to a case: rules of the incidents domain that are not sharing rules.

Whether an organisation may *see* a case or an entry is never decided here: that is the sharing
policy's, applied by the intel read path. These rules decide what an organisation that sees a case
may *change*, and are called only by ``service.py``:

* nobody changes anything with a read-only token; an operator at the command line (no role) may;
* any analyst or above of an organisation may open a case, which its organisation then leads;
* only the lead changes the case itself (status, lead, participants, severity, wording);
* only a coordinator or admin of the lead may close or reject it (the statuses that end a case);
* the lead and participants whose role adds entries add events, tasks and impacts;
* a task's outcome is recorded by the lead or by the organisation the task is assigned to;
* the lead and every participant (informed ones too) may acknowledge the case.
"""

from __future__ import annotations

from gotong.core.auth import Principal, Role
from gotong.core.permissions import require_member, require_writer
from gotong.errors import Forbidden
from gotong.incidents.models import ParticipantRole, adds_entries


def may_read(actor: Principal) -> None:
    """Cases are for members of the network: refuse a caller without a token (what it may see of a
    case is then the sharing rules' decision)."""
    require_member(actor)


def may_change(actor: Principal) -> None:
    """Refuse anonymous readers and read-only tokens before any change."""
    require_member(actor)
    require_writer(actor)


def may_open(actor: Principal) -> None:
    may_change(actor)


def may_update(actor: Principal, *, lead_id: int) -> None:
    may_change(actor)
    if actor.org_id != lead_id:
        raise Forbidden("only the lead organisation may change the case")


def may_close(actor: Principal, *, lead_id: int) -> None:
    may_update(actor, lead_id=lead_id)
    if actor.role is not None and actor.role.rank < Role.COORDINATOR.rank:
        raise Forbidden("only a coordinator or admin of the lead organisation may close or reject a case")


def may_add_entry(actor: Principal, *, lead_id: int, roles: dict[int, ParticipantRole]) -> None:
    may_change(actor)
    if actor.org_id == lead_id:
        return
    role = roles.get(actor.org_id) if actor.org_id is not None else None
    if role is None:
        raise Forbidden("only the lead and the participants may add entries to a case")
    if not adds_entries(role):
        raise Forbidden(f"a participant in the role {role} may not add entries to a case")


def may_update_task(actor: Principal, *, lead_id: int, assigned_id: int | None) -> None:
    may_change(actor)
    if actor.org_id not in {lead_id, assigned_id}:
        raise Forbidden("only the lead or the organisation the task is assigned to may record its outcome")


def may_acknowledge(actor: Principal, *, taking_part: bool) -> None:
    may_change(actor)
    if not taking_part:
        raise Forbidden("only the lead and the participants of a case acknowledge it")
