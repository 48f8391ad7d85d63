"""Who may do what in an exercise: rules of the domain that are not sharing rules, called only by
``service.py``. Who may *see* an exercise record is the sharing policy's (its markings name the
participants and the hub), never decided here.

* the hub controls: it makes exercises, starts, pauses and stops them, imports scenarios, scores
  manual expectations and decides appeals — its coordinators and admins, or the operator at the
  command line (no role);
* a participant acknowledges its own injects and appeals its own results;
* nobody changes anything with a read-only token.
"""

from __future__ import annotations

from gotong.core.auth import Principal
from gotong.core.permissions import MANAGERS, require_member, require_writer
from gotong.errors import Forbidden


def may_read(actor: Principal) -> None:
    require_member(actor)


def may_control(actor: Principal, *, hub_id: int) -> None:
    require_member(actor)
    require_writer(actor)
    if actor.org_id != hub_id:
        raise Forbidden("only the hub runs exercises (makes, starts, scores them, decides appeals)")
    if actor.role is not None and actor.role not in MANAGERS:
        raise Forbidden(f"running an exercise needs the role {' or '.join(r.value for r in MANAGERS)}")


def may_respond(actor: Principal, *, participant_id: int, what: str) -> None:
    require_member(actor)
    require_writer(actor)
    if actor.org_id != participant_id:
        raise Forbidden(f"only the participant it was sent to may {what}")
