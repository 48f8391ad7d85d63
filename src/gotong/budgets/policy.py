"""Who may do what to a budget report: rules of the domain that are not sharing rules.

Whether an organisation may *see* a report is never decided here (that is the sharing policy's,
applied by the intel read path). These rules, called only by ``service.py``, decide who may write:

* nobody changes anything with a read-only token; an operator at the command line (no role) may;
* a report is filed and filled in only by the member it is about (an analyst or above of it);
  the taskforce and the other members read what its audience lets them, and never edit it.
"""

from __future__ import annotations

from gotong.core.auth import Principal
from gotong.core.permissions import require_member, require_writer
from gotong.errors import Forbidden


def may_read(actor: Principal) -> None:
    require_member(actor)


def may_change(actor: Principal) -> None:
    require_member(actor)
    require_writer(actor)


def may_file_for(actor: Principal, *, member_id: int, member: str) -> None:
    may_change(actor)
    if actor.org_id != member_id:
        raise Forbidden(f"only {member} files and edits its own budget report")
