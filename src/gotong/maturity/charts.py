"""Maturity charts drawn on the server as accessible SVG, for the pages, the REST radar and the coming
PDF reports: a radar per category (levels against a target), a history of category averages, and the
regional heat map (parameters by members).

Like ``gotong.web.charts`` (small hand-written SVG rather than a plotting library, for the same
reasons): each chart has a ``<title>`` and a ``<desc>`` that says every value in words, text labels
on the picture, and colour never carries meaning alone; the pages show the same numbers as a table.
The charts draw what they are given: the caller passes only assessments the viewer may see.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from gotong.maturity.models import Framework, Parameter

__all__ = ["heat_map", "history_chart", "radar"]

_SIZE = 360
_RADIUS = 130


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg class="chart maturity-chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _point(index: int, count: int, value: float, top: int) -> tuple[float, float]:
    angle = 2 * math.pi * index / count - math.pi / 2
    r = _RADIUS * value / top if top else 0
    return round(_SIZE / 2 + r * math.cos(angle), 1), round(_SIZE / 2 + r * math.sin(angle), 1)


def _polygon(points: Sequence[tuple[float, float]], css: str) -> str:
    text = " ".join(f"{x},{y}" for x, y in points)
    return f'<polygon class="{css}" points="{text}"/>'


def radar(
    framework: Framework,
    category: str,
    levels: Mapping[str, int | None],
    target: Mapping[str, int],
    *,
    title: str,
) -> str:
    """One axis per parameter of the category, rings at each level, the levels' polygon and the
    target's (dashed) polygon."""
    params: list[Parameter] = framework.in_category(category)
    name = framework.category(category).name
    top = framework.max_level
    n = max(len(params), 1)
    words = "; ".join(f"{p.id} {p.name}: level {levels.get(p.id)}, target {target[p.id]}" for p in params)
    chart_id = f"radar-{_slug(category)}"
    parts = _open(chart_id, _SIZE, _SIZE, title, f"{name}, levels against the target. {words}.")
    for ring in range(1, top + 1):
        ring_points = [_point(i, n, ring, top) for i in range(n)]
        parts.append(_polygon(ring_points, "radar-ring"))
    for i, p in enumerate(params):
        x, y = _point(i, n, top, top)
        lx, ly = _point(i, n, top + 0.55, top)
        anchor = "middle" if abs(lx - _SIZE / 2) < 8 else ("start" if lx > _SIZE / 2 else "end")
        parts.append(
            f'<line class="radar-axis" data-parameter="{escape(p.id)}" x1="{_SIZE / 2}" y1="{_SIZE / 2}" '
            f'x2="{x}" y2="{y}"/>'
            f'<text class="chart-label" x="{lx}" y="{ly + 4}" text-anchor="{anchor}">{escape(p.id)}</text>'
        )
    parts.append(_polygon([_point(i, n, target[p.id], top) for i, p in enumerate(params)], "radar-target"))
    parts.append(
        _polygon([_point(i, n, levels.get(p.id) or 0, top) for i, p in enumerate(params)], "radar-levels")
    )
    parts.append(
        f'<text class="chart-label" x="4" y="{_SIZE - 6}">'
        f"solid: levels; dashed: target (0 centre, {top} edge)</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def history_chart(
    framework: Framework, points: Sequence[tuple[str, Mapping[str, int | None]]], *, title: str
) -> str:
    """One line per category: the average level of each published assessment, oldest left."""
    width, height, left, bottom, top_pad = 520, 240, 40, 30, 14
    top = framework.max_level
    span_x = width - left - 90
    span_y = height - bottom - top_pad
    averages: dict[str, list[float]] = {c.id: [] for c in framework.categories}
    for _, levels in points:
        for c in framework.categories:
            ids = [p.id for p in framework.in_category(c.id)]
            averages[c.id].append(round(sum(levels.get(i) or 0 for i in ids) / max(len(ids), 1), 2))
    words = "; ".join(
        f"{date}: " + ", ".join(f"{c.name} {averages[c.id][k]}" for c in framework.categories)
        for k, (date, _) in enumerate(points)
    )
    parts = _open("history", width, height, title, f"Average level per category. {words or 'No assessment'}.")

    def xy(k: int, value: float) -> tuple[float, float]:
        x = left + (span_x * k / (len(points) - 1) if len(points) > 1 else span_x / 2)
        return round(x, 1), round(top_pad + span_y * (1 - value / top), 1)

    for level in range(top + 1):
        _, y = xy(0, level)
        parts.append(
            f'<line class="history-grid" x1="{left}" y1="{y}" x2="{left + span_x}" y2="{y}"/>'
            f'<text class="chart-label" x="{left - 6}" y="{y + 4}" text-anchor="end">{level}</text>'
        )
    for k, (date, _) in enumerate(points):
        x, _ = xy(k, 0)
        parts.append(
            f'<text class="chart-label" x="{x}" y="{height - 8}" text-anchor="middle">{escape(date)}</text>'
        )
    for c in framework.categories:
        line = [xy(k, v) for k, v in enumerate(averages[c.id])]
        if not line:
            continue
        text = " ".join(f"{x},{y}" for x, y in line)
        parts.append(f'<polyline class="history-line history-{_slug(c.id)}" points="{text}"/>')
        x, y = line[-1]
        parts.append(f'<text class="chart-label" x="{x + 6}" y="{y + 4}">{escape(c.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def heat_map(
    framework: Framework, members: Sequence[tuple[str, Mapping[str, int | None]]], *, title: str
) -> str:
    """Parameters down, members across; each cell shows its level as a number and a shade."""
    cell, row_label, head = 34, 56, 24
    width = row_label + cell * max(len(members), 1) + 4
    height = head + 18 * len(framework.parameters) + 4
    words = "; ".join(
        f"{org}: " + ", ".join(f"{p.id} {levels.get(p.id)}" for p in framework.parameters)
        for org, levels in members
    )
    parts = _open(
        "heat-map", width, height, title, f"Levels per parameter and member. {words or 'No member'}."
    )
    for k, (org, _) in enumerate(members):
        x = row_label + k * cell + cell / 2
        parts.append(
            f'<text class="chart-label" x="{x}" y="{head - 8}" text-anchor="middle">{escape(org[:6])}</text>'
        )
    for r, p in enumerate(framework.parameters):
        y = head + r * 18
        parts.append(
            f'<text class="chart-label" x="{row_label - 6}" y="{y + 13}" text-anchor="end">{p.id}</text>'
        )
        for k, (_, levels) in enumerate(members):
            level = levels.get(p.id)
            shade = "none" if level is None else str(level)
            x = row_label + k * cell
            parts.append(
                f'<rect class="heat-cell heat-{shade}" x="{x}" y="{y}" width="{cell - 2}" height="16"/>'
                f'<text class="heat-value" x="{x + cell / 2 - 1}" y="{y + 12}" text-anchor="middle">'
                f"{'—' if level is None else level}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
