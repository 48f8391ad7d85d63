"""Who may do what: the role and membership checks every domain service makes before it acts.

Services call these with the principal they were given; adapters (TAXII, REST, HTML, CLI) never
check roles themselves. Which *objects* an organisation may see is not decided here but in
:mod:`gotong.sharing.policy`.
"""

from __future__ import annotations

from gotong.core.auth import Principal, Role
from gotong.errors import Forbidden, Unauthorized

__all__ = ["MANAGERS", "require_member", "require_role", "require_writer"]

MANAGERS = (Role.ADMIN, Role.COORDINATOR)
"""The roles that configure an organisation's sharing groups, feeds and webhooks."""


def require_member(principal: Principal) -> None:
    """Refuse (401) a caller that presented no token: only members of the network may go on."""
    if not principal.authenticated:
        raise Unauthorized("this needs an API token")


def may_write(principal: Principal) -> bool:
    """Whether ``principal`` may change anything at all (pages use it to offer forms only then)."""
    return principal.authenticated and principal.role != Role.READONLY


def require_writer(principal: Principal) -> None:
    """Refuse a caller that may not change anything: no token (401) or a readonly token (403)."""
    require_member(principal)
    if not may_write(principal):
        raise Forbidden("a readonly token may not change anything")


def require_role(principal: Principal, *roles: Role) -> None:
    """Refuse unless the principal is authenticated (401) and holds one of ``roles`` (403)."""
    require_member(principal)
    if principal.role not in roles:
        raise Forbidden(f"this needs the role {' or '.join(r.value for r in roles)}")
