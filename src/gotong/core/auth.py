"""Who is asking: the principal of a request or a command, and the roles it may hold.

Every domain service receives a :class:`Principal` and decides inside the service what it may do;
adapters (TAXII, REST, HTML, CLI) only build the principal and pass it on.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    ANALYST = "analyst"
    READONLY = "readonly"

    @property
    def rank(self) -> int:
        """Higher ranks may do more: readonly < analyst < coordinator < admin."""
        return [Role.READONLY, Role.ANALYST, Role.COORDINATOR, Role.ADMIN].index(self)


@dataclass(frozen=True)
class Principal:
    """Who is making a request: an organisation, maybe a user, and a role; or nobody."""

    org_id: int | None
    org_short: str | None = None
    user_id: int | None = None
    role: Role | None = None
    through_hub: bool = False

    @property
    def authenticated(self) -> bool:
        return self.org_id is not None


ANONYMOUS = Principal(org_id=None)
