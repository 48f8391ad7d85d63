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
    # A user of the taskforce organisation who holds (or stands in for) a member state's seat. It is
    # not a CERT role: it ranks above readonly (a seat holder writes: motions, votes, responses) and
    # below analyst, so nothing that needs an analyst or more (submitting intelligence, opening
    # cases, managing tokens) is open to it, and a CERT role never turns into it (``grants``).
    TASKFORCE = "taskforce"

    @property
    def rank(self) -> int:
        """Higher ranks may do more: readonly < taskforce < analyst < coordinator < admin."""
        return [Role.READONLY, Role.TASKFORCE, Role.ANALYST, Role.COORDINATOR, Role.ADMIN].index(self)

    def grants(self, other: Role) -> bool:
        """Whether a user with this role may hold a token with ``other``: a CERT role any CERT role of
        no higher rank, the taskforce role itself or readonly; never one into the other."""
        if Role.TASKFORCE in (self, other):
            return other in (self, Role.READONLY)
        return other.rank <= self.rank


@dataclass(frozen=True)
class Principal:
    """Who is making a request: an organisation, maybe a user, and a role; or nobody."""

    org_id: int | None
    org_short: str | None = None
    user_id: int | None = None
    role: Role | None = None
    through_hub: bool = False
    # The most restrictive TLP level (a ``gotong.sharing.tlp.TLP`` rank) of anything read for this
    # principal, or None for no limit. Set only for a report made for an audience wider than the
    # organisation (a TLP:CLEAR report an official may publish): the sharing policy then hides every
    # record marked above it, even the organisation's own.
    tlp_ceiling: int | None = None

    @property
    def authenticated(self) -> bool:
        return self.org_id is not None


ANONYMOUS = Principal(org_id=None)
