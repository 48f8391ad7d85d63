"""Who may read a stored report and who may manage subscriptions — the reports' own rules.

A report is generated for one reader organisation, over what that organisation may see, and stored
as that organisation's: only its own members read it. Nothing in it can reach anyone who could not
have seen it, since nobody else may open it (docs/reports.md).
"""

from __future__ import annotations

from gotong.core.auth import Principal
from gotong.core.permissions import MANAGERS, require_member, require_role
from gotong.errors import NotFound

__all__ = ["may_manage_subscribers", "may_read", "require_reader"]


def may_read(actor: Principal, org_id: int) -> bool:
    return actor.org_id is not None and actor.org_id == org_id


def require_reader(actor: Principal, org_id: int, report_id: int) -> None:
    require_member(actor)
    if not may_read(actor, org_id):
        # Not Forbidden: that another organisation has a report of this number is not for the reader.
        raise NotFound(f"no report {report_id} of yours")


def may_manage_subscribers(actor: Principal) -> None:
    require_role(actor, *MANAGERS)
