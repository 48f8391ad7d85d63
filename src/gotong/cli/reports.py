"""``gotong report``: defined by the reports domain in :mod:`gotong.reports.cli`."""

from gotong.reports.cli import report

__all__ = ["report"]
