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
* the lead and every participant (informed ones too) may acknowledge the case;
* an entry is addressed no wider than its case (:func:`may_address_entry`).
"""

from __future__ import annotations

from gotong.core.auth import Principal, Role
from gotong.core.permissions import require_member, require_writer
from gotong.errors import Forbidden, Invalid
from gotong.incidents.models import ParticipantRole, adds_entries
from gotong.sharing.tlp import TLP


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


def may_address_entry(
    *, case_tlp: TLP, case_group: str | None, case_audience: str | None, entry_group: str | None
) -> None:
    """Refuse an entry whose sharing group would reach organisations the case does not reach.

    Groups are marking-definition ids: ``case_group`` the one the case names, ``case_audience`` the
    group that decides who sees the case (its own, else its collection's default), ``entry_group``
    the one the entry names. Only a case that reaches the whole community (TLP:CLEAR, or no group at
    all below RED) leaves the entry free to name any group; any other case lends its entries its
    own audience, since another group, whatever its members today, may hold or later gain others.
    A TLP:RED case reaches only the recipients it names itself (none: its lead alone).
    """
    if entry_group is None or case_tlp == TLP.CLEAR:
        return
    reach = case_group if case_tlp == TLP.RED else case_audience
    if reach is None and case_tlp != TLP.RED:
        return  # the case reaches the whole community
    if entry_group != reach:
        raise Invalid(
            "sharing_group: an entry may not name another group than its case's audience, or it would "
            "reach organisations that may not see the case; leave sharing_group out, or mark the entry "
            "more strictly"
        )
