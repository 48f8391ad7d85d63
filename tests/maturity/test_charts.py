"""The SVG charts: one radar axis per parameter of the category, the target polygon, text
alternatives; the heat map draws a cell per parameter and member it is given, and nothing else."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from gotong import maturity
from tests.maturity.conftest import SIM3, levels

SVG = "{http://www.w3.org/2000/svg}"


def test_the_radar_has_one_axis_per_parameter_of_the_category_and_the_target_polygon() -> None:
    target = SIM3.profile("asean-minimum").levels
    for category, count in (("O", 10), ("H", 7), ("T", 10), ("P", 17)):
        svg = maturity.radar(SIM3, category, levels(1, O_1=3), target, title=f"{category} radar")
        root = ET.fromstring(svg)
        axes = root.findall(f"{SVG}line[@class='radar-axis']")
        assert [a.get("data-parameter") for a in axes] == [p.id for p in SIM3.in_category(category)]
        assert len(axes) == count
        (polygon,) = root.findall(f"{SVG}polygon[@class='radar-target']")
        assert len(polygon.get("points", "").split()) == count
        assert len(root.findall(f"{SVG}polygon[@class='radar-levels']")) == 1
        assert root.get("role") == "img"
        assert root.find(f"{SVG}title") is not None
    svg = maturity.radar(SIM3, "O", levels(1, O_1=3), target, title="Organisation")
    desc = ET.fromstring(svg).find(f"{SVG}desc")
    assert desc is not None and "O-1 Mandate: level 3, target 2" in (desc.text or "")


def test_the_target_polygon_follows_the_target_levels() -> None:
    flat = {p.id: 4 for p in SIM3.parameters}
    outer = maturity.radar(SIM3, "H", levels(0), flat, title="H")
    inner = maturity.radar(SIM3, "H", levels(0), {p.id: 1 for p in SIM3.parameters}, title="H")
    first = re.compile(r'class="radar-target" points="([\d.]+),([\d.]+)')
    (_, y_outer), (_, y_inner) = (tuple(map(float, first.search(s).groups())) for s in (outer, inner))  # type: ignore[union-attr]
    assert y_outer < y_inner  # the first axis points up: a higher target reaches further out


def test_the_heat_map_has_a_cell_per_parameter_and_member_given() -> None:
    svg = maturity.heat_map(SIM3, [("SingCERT", levels(3)), ("CamCERT", levels(1))], title="Region")
    root = ET.fromstring(svg)
    assert len(root.findall(f"{SVG}rect")) == 88
    assert "CamCERT" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]


def test_the_history_chart_draws_a_line_per_category() -> None:
    svg = maturity.history_chart(
        SIM3, [("2025-01-01", levels(1)), ("2026-01-01", levels(2))], title="History"
    )
    root = ET.fromstring(svg)
    assert len(root.findall(f"{SVG}polyline")) == 4
    assert "2026-01-01: Organisation 2.0" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
