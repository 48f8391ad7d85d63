"""An assessment as JSON or CSV (one row per parameter), so a team can fill it in offline and load
it back. Pure: reading a file gives entries for ``update_assessment`` or ``create_assessment``;
nothing here stores or decides visibility.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from pydantic import ValidationError

from gotong.errors import Invalid
from gotong.maturity.schemas import AssessmentPublic, EntryInput

__all__ = ["CSV_COLUMNS", "entries_from_csv", "entries_from_json", "to_csv", "to_json"]

CSV_COLUMNS = (
    "parameter",
    "name",
    "category",
    "level",
    "self_level",
    "justification",
    "evidence",
    "review_reason",
)
_SEPARATOR = " | "  # between pieces of evidence in one CSV cell


def to_json(assessment: AssessmentPublic) -> str:
    return assessment.model_dump_json(indent=2)


def to_csv(assessment: AssessmentPublic) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in assessment.entries:
        writer.writerow(
            [
                e.parameter,
                e.name,
                e.category,
                "" if e.level is None else e.level,
                "" if e.self_level is None else e.self_level,
                e.justification,
                _SEPARATOR.join(e.evidence),
                e.review_reason,
            ]
        )
    return out.getvalue()


def _entry(raw: dict[str, Any], where: str) -> EntryInput:
    try:
        return EntryInput(
            parameter=str(raw.get("parameter", "")),
            level=raw.get("level"),
            justification=str(raw.get("justification") or ""),
            evidence=list(raw.get("evidence") or []),
        )
    except ValidationError as exc:
        problem = exc.errors()[0]
        raise Invalid(f"{where}: {'.'.join(map(str, problem['loc']))}: {problem['msg']}") from None


def entries_from_csv(text: str) -> list[EntryInput]:
    """Entries from a CSV with at least the columns parameter and level (an empty level: not rated)."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"parameter", "level"} <= set(reader.fieldnames):
        raise Invalid("csv: the first row must name the columns, at least parameter and level")
    found = []
    for row in reader:
        level_text = (row.get("level") or "").strip()
        try:
            level = int(level_text) if level_text else None
        except ValueError:
            raise Invalid(f"csv line {reader.line_num}: level {level_text!r} is not a whole number") from None
        evidence = [x.strip() for x in (row.get("evidence") or "").split(_SEPARATOR.strip()) if x.strip()]
        raw = {**row, "level": level, "evidence": evidence}
        found.append(_entry(raw, f"csv line {reader.line_num}"))
    return found


def entries_from_json(text: str) -> list[EntryInput]:
    """Entries from JSON: a list of entries, or an exported assessment (its ``entries``)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(f"json: {exc.msg} at line {exc.lineno}") from None
    items = data.get("entries") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise Invalid("json: give a list of entries, or an assessment with its entries")
    return [_entry(i, f"json entry {n}") for n, i in enumerate(items, start=1)]
