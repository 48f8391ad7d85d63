"""The chart helpers of the pages; they live in :mod:`gotong.core.charts` so reports draw the same."""

from __future__ import annotations

from gotong.core.charts import bar_chart, line_chart

__all__ = ["bar_chart", "line_chart"]
