"""Who may change the contact directory: the owning organisation's coordinators and admins, and the hub's.

Which *fields* a reader sees is not decided here but by :func:`gotong.sharing.policy.may_see_field`.
"""

from __future__ import annotations

from gotong.core.auth import Principal
from gotong.core.permissions import MANAGERS, require_writer
from gotong.errors import Forbidden

__all__ = ["require_editor"]


def require_editor(actor: Principal, *, owner_org_id: int, hub_org_id: int | None) -> None:
    """Refuse unless ``actor`` may edit (and check) contacts of the organisation ``owner_org_id``.

    A principal without a role is the node operator at the command line, acting for ``--org``.
    """
    require_writer(actor)
    if actor.role is not None and actor.role not in MANAGERS:
        raise Forbidden(f"this needs the role {' or '.join(r.value for r in MANAGERS)}")
    if actor.org_id not in (owner_org_id, hub_org_id):
        raise Forbidden(
            "only the organisation's own coordinators and admins, or the hub's, edit its contacts"
        )
