"""Sharing rules: TLP 2.0 markings, audiences (sharing groups) and the one visibility decision.

:mod:`gotong.sharing.policy` decides who may see a stored version and who may learn who submitted
it; the verbs adapters call with the principal that asks are in :mod:`gotong.sharing.groups`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gotong.core.exports import lazy_exports

if TYPE_CHECKING:
    from gotong.sharing.groups import change_members, create_group, group_for, groups_for, receipts_for
    from gotong.sharing.policy import (
        Marked,
        Reader,
        disclosure_clause,
        may_know_members,
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
    "may_know_members",
    "may_learn_submitter",
    "may_see",
    "receipts_for",
    "visibility_clause",
]

# Loaded on first use (gotong.core.exports says why).
__getattr__ = lazy_exports(
    __name__,
    {
        "gotong.sharing.groups": [
            "change_members",
            "create_group",
            "group_for",
            "groups_for",
            "receipts_for",
        ],
        "gotong.sharing.policy": [
            "Marked",
            "Reader",
            "disclosure_clause",
            "may_know_members",
            "may_learn_submitter",
            "may_see",
            "visibility_clause",
        ],
    },
)
