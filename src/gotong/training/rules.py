"""The compliance rule, pure: from an organisation's completions and the day it is, whether a
requirement is met, due soon or overdue, and from which day. No I/O; ``compliance.py`` feeds it.

A completion counts for ``every_months`` months from the day it was completed: one completed on
15 January 2026 under a 12-month requirement keeps it met up to and including 14 January 2027, and
on 15 January 2027 the requirement is overdue (a day of the month that does not exist in the due
month is its last day: 29 February + 12 months is 28 February). It is due soon from
``due_soon_days`` days before the due day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from gotong.training.models import Requirement, RequirementKind

__all__ = ["ComplianceStatus", "Verdict", "add_months", "judge"]


class ComplianceStatus(StrEnum):
    MET = "met"
    DUE_SOON = "due-soon"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Verdict:
    status: ComplianceStatus
    due_on: date | None  # the day it becomes (or became) overdue; None: never met
    counted: int  # people whose completion counts now
    needed: int  # people it needs


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def judge(
    requirement: Requirement,
    *,
    completions: dict[str, date],
    people_with_role: list[str],
    today: date,
) -> Verdict:
    """``completions`` maps each participant (an e-mail, lower case) to the day of their latest
    completion of the requirement's topic; ``people_with_role`` are the organisation's users of the
    requirement's role (kind ``each`` only)."""
    if requirement.kind == RequirementKind.EACH:
        people = sorted({p.lower() for p in people_with_role})
        dues = [_due(requirement, completions.get(p)) for p in people]
        counted = sum(1 for d in dues if d is not None and today < d)
        if not people:
            return Verdict(ComplianceStatus.MET, None, 0, 0)
        if any(d is None for d in dues):
            return Verdict(ComplianceStatus.OVERDUE, None, counted, len(people))
        return _verdict(requirement, min(d for d in dues if d is not None), today, counted, len(people))
    latest = sorted(completions.values(), reverse=True)
    counted = sum(1 for d in latest if today < add_months(d, requirement.every_months))
    if len(latest) < requirement.staff:
        return Verdict(ComplianceStatus.OVERDUE, None, counted, requirement.staff)
    due = add_months(latest[requirement.staff - 1], requirement.every_months)
    return _verdict(requirement, due, today, counted, requirement.staff)


def _due(requirement: Requirement, completed: date | None) -> date | None:
    return None if completed is None else add_months(completed, requirement.every_months)


def _verdict(requirement: Requirement, due: date, today: date, counted: int, needed: int) -> Verdict:
    if today >= due:
        status = ComplianceStatus.OVERDUE
    elif today >= due - timedelta(days=requirement.due_soon_days):
        status = ComplianceStatus.DUE_SOON
    else:
        status = ComplianceStatus.MET
    return Verdict(status, due, counted, needed)
