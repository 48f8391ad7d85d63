"""Sharing rules: TLP 2.0 markings, audiences (sharing groups) and the one visibility decision.

:mod:`gotong.sharing.policy` decides who may see a stored version and who may learn who submitted
it; the verbs adapters call with the principal that asks are in :mod:`gotong.sharing.groups`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gotong.sharing.groups import change_members, create_group, group_for, groups_for, receipts_for
    from gotong.sharing.policy import (
        Marked,
        Reader,
        disclosure_clause,
        may_learn_submitter,
        may_see,
        visibility_clause,
    )

__all__ = [
    "Marked",
    "Reader",
    "change_members",
    "create_group",
    "disclosure_clause",
    "group_for",
    "groups_for",
    "may_learn_submitter",
    "may_see",
    "receipts_for",
    "visibility_clause",
]

# Loaded on first use: the domains still import each other's modules in cycles, which importing
# the verbs here, while the package initialises, would close (issue 11 item 4 removes them).
_WHERE = {
    "change_members": "gotong.sharing.groups",
    "create_group": "gotong.sharing.groups",
    "group_for": "gotong.sharing.groups",
    "groups_for": "gotong.sharing.groups",
    "receipts_for": "gotong.sharing.groups",
    "Marked": "gotong.sharing.policy",
    "Reader": "gotong.sharing.policy",
    "disclosure_clause": "gotong.sharing.policy",
    "may_learn_submitter": "gotong.sharing.policy",
    "may_see": "gotong.sharing.policy",
    "visibility_clause": "gotong.sharing.policy",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
