"""Who may do what to an assistance request: rules of the domain that are not sharing rules.

Whether an organisation may *see* a request is never decided here: that is the sharing policy's,
applied by the intel read path (and a request is addressed so that both parties always may). These
rules decide what a party that sees a request may *change*, and are called only by ``service.py``:

* nobody changes anything with a read-only token; an operator at the command line (no role) may;
* any analyst or above of an organisation may write a request, which its organisation then makes;
* each status may be reached only by the party the data file names (``data/assistance/statuses.toml``):
  the requester sends and withdraws, the addressee acknowledges, works on, answers and refuses; only
  the overdue check marks a request expired;
* only the requester renews a preservation, records a formal confirmation or edits a draft;
* only the two parties add messages.
"""

from __future__ import annotations

from gotong.assistance.models import Party, RequestStatus, moved_by
from gotong.core.auth import Principal
from gotong.core.permissions import require_member, require_writer
from gotong.errors import Forbidden


def may_read(actor: Principal) -> None:
    require_member(actor)


def may_change(actor: Principal) -> None:
    """Refuse anonymous callers and read-only tokens before any change (before any look-up)."""
    require_member(actor)
    require_writer(actor)


def party_of(actor: Principal, *, requester_id: int, addressee_id: int) -> Party | None:
    if actor.org_id == requester_id:
        return Party.REQUESTER
    if actor.org_id == addressee_id:
        return Party.ADDRESSEE
    return None


def may_move(actor: Principal, to: RequestStatus, *, requester_id: int, addressee_id: int) -> None:
    may_change(actor)
    needed = moved_by(to)
    if needed == Party.SYSTEM:
        raise Forbidden(f"a request becomes {to} only by the overdue check, not by hand")
    if party_of(actor, requester_id=requester_id, addressee_id=addressee_id) != needed:
        raise Forbidden(f"only the {needed} organisation may make a request {to}")


def may_act_as_requester(actor: Principal, what: str, *, requester_id: int) -> None:
    may_change(actor)
    if actor.org_id != requester_id:
        raise Forbidden(f"only the requesting organisation may {what}")


def may_add_message(actor: Principal, *, requester_id: int, addressee_id: int) -> None:
    may_change(actor)
    if party_of(actor, requester_id=requester_id, addressee_id=addressee_id) is None:
        raise Forbidden("only the requester and the addressee may add messages to a request")
