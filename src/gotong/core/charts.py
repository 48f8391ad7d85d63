"""Charts drawn on the server as accessible SVG: a horizontal bar chart and a line over time.

Neutral ground: the web pages (:mod:`gotong.web.charts`) and the PDF reports (:mod:`gotong.reports`)
both draw with these, so a chart looks the same on screen and on paper.

Why a small module of our own rather than matplotlib: the charts the pages need are bars and
counts, and a hand-written SVG of a few hundred bytes carries a ``<title>``, a ``<desc>``, a
``role="img"`` and text labels that screen readers read, uses the page's own CSS colours, and
weighs nothing on a slow link; matplotlib's SVG output is tens of kilobytes per chart, embeds its
own fonts and styles, and would add a large dependency to every node. The same SVG text goes into
PDF reports later. Every chart is also shown as a table next to it, so no number lives only in a
picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

BAR_HEIGHT = 22
GAP = 6
LABEL_WIDTH = 140
WIDTH = 520
# Presentation defaults, for renderers without the page's CSS (PDF); the page's CSS overrides them.
BAR_FILL = "#2b5f8a"


def bar_chart(
    title: str, description: str, bars: Sequence[tuple[str, int]], *, css_prefix: str = ""
) -> Markup:
    """A horizontal bar chart of ``(label, count)`` pairs; ``css_prefix`` + a slug of the label classes a bar.

    Each bar is labelled with its text and its count, so colour never carries meaning alone.
    """
    chart_id = _chart_id(title)
    largest = max((count for _, count in bars), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 60
    height = max(1, len(bars)) * (BAR_HEIGHT + GAP) + GAP
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    if not bars:
        parts.append(f'<text x="0" y="{BAR_HEIGHT - 6}" class="chart-label">Nothing to show</text>')
    for index, (label, count) in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = round(span * count / largest)
        slug = "".join(c if c.isalnum() else "-" for c in label.lower())
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT - 6}" text-anchor="end" class="chart-label">'
            f"{escape(label)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{max(length, 2)}" height="{BAR_HEIGHT}" '
            f'fill="{BAR_FILL}" class="chart-bar {escape(css_prefix + slug)}"/>'
            f'<text x="{LABEL_WIDTH + max(length, 2) + 6}" y="{y + BAR_HEIGHT - 6}" class="chart-value">'
            f"{count}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _chart_id(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())


def line_chart(
    title: str, description: str, points: Sequence[tuple[str, float]], *, unit: str = ""
) -> Markup:
    """A line of ``(label, value)`` points in order (periods over time), each point labelled with its value.

    The labels run along the bottom; every value is written beside its point, so the chart reads
    without colour and without guessing from the axis.
    """
    chart_id = _chart_id(title)
    height, left, top, bottom = 200, 40, 16, 40
    span_x = WIDTH - left - 20
    span_y = height - top - bottom
    largest = max((v for _, v in points), default=0) or 1
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    if not points:
        parts.append(f'<text x="0" y="{BAR_HEIGHT - 6}" class="chart-label">Nothing to show</text>')
    step = span_x / max(1, len(points) - 1)
    coords = []
    for index, (label, value) in enumerate(points):
        x = round(left + index * step, 1)
        y = round(top + span_y - span_y * value / largest, 1)
        coords.append(f"{x},{y}")
        shown = f"{value:g}{unit}"
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="3" fill="{BAR_FILL}" class="chart-point"/>'
            f'<text x="{x}" y="{y - 6}" text-anchor="middle" class="chart-value">{escape(shown)}</text>'
            f'<text x="{x}" y="{height - 16}" text-anchor="middle" class="chart-label">{escape(label)}</text>'
        )
    if len(coords) > 1:
        parts.append(
            f'<polyline points="{" ".join(coords)}" fill="none" stroke="{BAR_FILL}" stroke-width="2" '
            'class="chart-line"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
