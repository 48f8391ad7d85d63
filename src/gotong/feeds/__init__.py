"""Feeds in and out: importers of external feeds and exporters of intelligence to other tools.

The verbs adapters call with the principal that asks are in :mod:`gotong.feeds.manage`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gotong.core.exports import lazy_exports

if TYPE_CHECKING:
    from gotong.feeds.manage import (
        add_feed_for,
        export_for,
        feed_for,
        feed_health_for,
        feeds_for,
        run_feed_for,
    )

__all__ = ["add_feed_for", "export_for", "feed_for", "feed_health_for", "feeds_for", "run_feed_for"]

# Loaded on first use (gotong.core.exports says why).
__getattr__ = lazy_exports(__name__, {"gotong.feeds.manage": __all__})
