"""The scoring rules, pure: from what the platform observed (with its timestamps), the evaluators'
scores and the decisions on appeals, each participant's results. Written out in ``docs/exercises.md``.

* an observable expectation is **met** (its points) when the platform recorded the response after
  the inject was delivered and by its deadline (delivery + ``within_minutes``); **late** (0) when it
  came after; **missed** (0) when the deadline passed, or the exercise stopped, without it; else
  **pending** (0);
* a manual expectation is **awaiting-evaluation** (0) until the hub's evaluator scores it against its
  rubric (**evaluated**, the points given, at most the expectation's);
* an inject without expectations is **unscored**: listed, counted apart, never in the total nor the
  maximum — a drill of unscored injects reads "0 of 0", not 100 %;
* an appeal **upheld** replaces the result's points with the decision's; a rejected one changes
  nothing. The maximum is the sum of the points of the expectations of the injects delivered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gotong.exercises.scenarios import ExpectationKind
from gotong.exercises.schemas import AppealOutcome, ResultStatus
from gotong.stix.timestamps import format_micros, micros_of

__all__ = ["Key", "percent", "results", "totals"]

Key = tuple[str, str]  # (inject id in the scenario, expectation id)


def results(
    *,
    injects: list[dict[str, Any]],
    observed: Mapping[Key, tuple[int, str]],
    evaluations: Mapping[Key, dict[str, Any]],
    decisions: Mapping[Key, dict[str, Any]],
    now: int,
    final: bool,
) -> list[dict[str, Any]]:
    """One result per expectation of each delivered inject (one ``unscored`` line for an inject
    without any), in delivery order."""
    found: list[dict[str, Any]] = []
    for inject in sorted(injects, key=lambda i: (i["delivered_at"], i["inject"])):
        delivered = micros_of(inject["delivered_at"])
        if not inject.get("expectations", []):
            found.append(_line(inject, None, ResultStatus.UNSCORED, 0, 0, None, None, None))
            continue
        for e in inject.get("expectations", []):
            key = (inject["inject"], e["id"])
            deadline = delivered + e["within_minutes"] * 60_000_000
            seen = observed.get(key)
            note = None
            if ExpectationKind(e["kind"]) == ExpectationKind.MANUAL:
                given = evaluations.get(key)
                if given is None:
                    status, points = ResultStatus.AWAITING_EVALUATION, 0
                else:
                    status, points, note = (
                        ResultStatus.EVALUATED,
                        min(int(given["points"]), e["points"]),
                        given["note"],
                    )
            elif seen is not None and delivered <= seen[0] <= deadline:
                status, points = ResultStatus.MET, e["points"]
            elif seen is not None and seen[0] > deadline:
                status, points = ResultStatus.LATE, 0
            elif final or now > deadline:
                status, points = ResultStatus.MISSED, 0
            else:
                status, points = ResultStatus.PENDING, 0
            line = _line(inject, e, status, points, e["points"], deadline, seen, note)
            decision = decisions.get(key)
            if decision is not None:
                line["appeal"] = decision["outcome"]
                if decision["outcome"] == AppealOutcome.UPHELD and decision.get("points") is not None:
                    line["points"] = min(int(decision["points"]), e["points"])
            found.append(line)
    return found


def totals(lines: list[dict[str, Any]]) -> tuple[int, int, int]:
    """(points earned, maximum, unscored injects)."""
    total = sum(r["points"] for r in lines)
    maximum = sum(r["max_points"] for r in lines)
    unscored = sum(r["status"] == ResultStatus.UNSCORED for r in lines)
    return total, maximum, unscored


def percent(total: int, maximum: int) -> float | None:
    return round(100 * total / maximum, 1) if maximum else None


def _line(
    inject: dict[str, Any],
    e: dict[str, Any] | None,
    status: ResultStatus,
    points: int,
    maximum: int,
    deadline: int | None,
    seen: tuple[int, str] | None,
    note: str | None,
) -> dict[str, Any]:
    return {
        "inject": inject["inject"],
        "expectation": e["id"] if e else None,
        "kind": e["kind"] if e else None,
        "status": str(status),
        "points": points,
        "max_points": maximum,
        "delivered_at": inject["delivered_at"],
        "deadline": format_micros(deadline, digits=3) if deadline is not None else None,
        "observed_at": format_micros(seen[0], digits=6) if seen else None,
        "evidence": seen[1] if seen else None,
        "note": note,
        "appeal": None,
    }
