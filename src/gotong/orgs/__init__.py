"""Organisations, users, roles and API tokens: who is asking."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gotong.orgs.service import Organisation, organisations_for, whoami

__all__ = ["Organisation", "organisations_for", "whoami"]

# Loaded on first use: the domains still import each other's modules in cycles, which importing
# the verbs here, while the package initialises, would close (issue 11 item 4 removes them).
_WHERE = {
    "Organisation": "gotong.orgs.service",
    "organisations_for": "gotong.orgs.service",
    "whoami": "gotong.orgs.service",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
