"""Whose detail a viewer is shown — the scoreboard's own rule, not a sharing rule.

A member sees its own detail and the region's aggregates; the hub sees every member's detail;
a member that published its detail (a recorded setting) is shown to every member. Whatever detail
is shown, it is computed only over what the viewer may see (gotong.sharing.policy).
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from gotong.core.auth import Principal
from gotong.core.permissions import MANAGERS, require_role
from gotong.errors import Forbidden
from gotong.orgs.service import get_org
from gotong.scoreboard.models import scoreboard_settings
from gotong.sharing.policy import FieldVisibility, field_tlp, within_ceiling
from gotong.sharing.tlp import TLP

__all__ = ["is_hub", "may_change_settings", "may_see_cell", "may_see_detail", "published_orgs"]


def published_orgs(conn: Connection) -> set[int]:
    return set(
        conn.execute(
            select(scoreboard_settings.c.org_id).where(scoreboard_settings.c.publish.is_(True))
        ).scalars()
    )


def is_hub(conn: Connection, actor: Principal) -> bool:
    """Whether the actor reads as the hub: not when it reads for an audience wider than the hub (a
    report marked for the community or anyone), since the hub's view of every member is for the hub."""
    if actor.tlp_ceiling is not None and not within_ceiling(
        TLP(actor.tlp_ceiling), field_tlp(FieldVisibility.HUB)
    ):
        return False
    return actor.org_id is not None and str(get_org(conn, org_id=actor.org_id).kind) == "hub"


def may_see_detail(
    conn: Connection, actor: Principal, org_id: int, published: set[int], *, raise_if_not: bool = False
) -> bool:
    allowed = actor.org_id == org_id or org_id in published or is_hub(conn, actor)
    if not allowed and raise_if_not:
        raise Forbidden("that organisation has not published its scoreboard detail")
    return allowed


def may_see_cell(actor: Principal, source: int, reader: int, *, published: set[int], is_hub: bool) -> bool:
    return is_hub or actor.org_id in (source, reader) or (source in published and reader in published)


def may_change_settings(actor: Principal) -> None:
    require_role(actor, *MANAGERS)
