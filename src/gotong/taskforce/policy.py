"""Who may do what in the taskforce: rules of the domain that are not sharing rules, called only by
``service.py``.

Whether anyone may *see* a seat, a review, a motion, a vote or a decision is never decided here: that
is the sharing policy's, from each record's markings (deliberations TLP:AMBER to the taskforce
organisation, decisions, seats and measures published to the members). These rules decide what a
reader may *do*:

* seats are assigned by the node's operator at the command line or an admin of the taskforce;
* only a seat holder or its alternate (a user of the taskforce with the taskforce role) acts for a
  seat: opens a review, tables or seconds a motion, votes; a readonly token does nothing;
* the member under review never votes on its own rating or measure (the rule's ``recuse_concerned``),
  nor is it a rapporteur on itself; only its own seat writes its response to a review;
* a vote is cast while the window is open, not after it closes.
"""

from __future__ import annotations

from gotong.core.auth import Principal, Role
from gotong.core.permissions import require_member, require_writer
from gotong.errors import Conflict, Forbidden
from gotong.taskforce.models import STATES, Rule


def may_read(actor: Principal) -> None:
    require_member(actor)


def may_assign_seats(actor: Principal, *, taskforce_id: int) -> None:
    require_writer(actor)
    if actor.role is None and actor.org_id == taskforce_id:
        return  # the node's operator, acting for the taskforce
    if actor.org_id != taskforce_id or actor.role != Role.ADMIN:
        raise Forbidden("seats are assigned by an admin of the taskforce or the node's operator")


def may_act_for_a_seat(actor: Principal, what: str) -> None:
    """Refuse before any look-up anyone who cannot hold a seat."""
    require_writer(actor)
    if actor.role != Role.TASKFORCE:
        raise Forbidden(f"only a seat holder of the taskforce (role taskforce) may {what}")


def no_seat(what: str) -> Forbidden:
    return Forbidden(f"you hold no seat on the taskforce (nor stand in for one), so you may not {what}")


def may_vote(seat: str, *, concerned: str | None, rule: Rule, open_: bool, closes_at: str) -> None:
    if rule.recuse_concerned and seat == concerned:
        name = STATES.get(seat, seat)
        raise Forbidden(
            f"{name}'s seat is recused: the motion concerns {name}, and under the rule for "
            f"'{rule.name}' the member concerned never votes on its own case"
        )
    if not open_:
        raise Conflict(f"voting on this motion closed at {closes_at}; a vote is no longer accepted")


def may_respond(seat: str, *, state: str) -> None:
    if seat != state:
        raise Forbidden(f"only {STATES.get(state, state)}'s seat writes the response to a review of it")
