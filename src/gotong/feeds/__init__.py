"""Feeds in and out: importers of external feeds and exporters of intelligence to other tools.

The verbs adapters call with the principal that asks are in :mod:`gotong.feeds.manage`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gotong.feeds.manage import add_feed_for, export_for, feed_for, feeds_for, run_feed_for

__all__ = ["add_feed_for", "export_for", "feed_for", "feeds_for", "run_feed_for"]

# Loaded on first use: the domains still import each other's modules in cycles, which importing
# the verbs here, while the package initialises, would close (issue 11 item 4 removes them).
_WHERE = {
    "add_feed_for": "gotong.feeds.manage",
    "export_for": "gotong.feeds.manage",
    "feed_for": "gotong.feeds.manage",
    "feeds_for": "gotong.feeds.manage",
    "run_feed_for": "gotong.feeds.manage",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
