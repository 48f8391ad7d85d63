"""Sorting the rows of one page of a table by a column the reader chose (``?sort=col`` or ``-col``).

Sorting here orders the page already fetched; which rows a page holds is the service's decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def sort_rows(rows: Sequence[Mapping[str, Any]], sort: str | None, columns: Mapping[str, str]) -> list[Any]:
    """``rows`` ordered by the column ``sort`` names (a leading ``-``: descending); unknown: as given."""
    if not sort:
        return list(rows)
    descending = sort.startswith("-")
    key = columns.get(sort.lstrip("-"))
    if key is None:
        return list(rows)
    return sorted(rows, key=lambda r: (r.get(key) is None, str(r.get(key) or "").lower()), reverse=descending)
