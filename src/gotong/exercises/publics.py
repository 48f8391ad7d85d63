"""How exercise records read to their readers: the Public schemas made from the stored STIX objects."""

from __future__ import annotations

from typing import Any

from gotong.exercises import objects, scoring
from gotong.exercises.scenarios import Channel, parse_scenario
from gotong.exercises.schemas import (
    AppealOutcome,
    AppealPublic,
    ExercisePublic,
    ExerciseStatus,
    ExpectationPublic,
    HistoryEntry,
    InjectPublic,
    ResultPublic,
    ScheduleItem,
    ScorePublic,
)
from gotong.stix.timestamps import format_micros, micros_of

_MINUTE = 60_000_000


def _ts(micros: int) -> str:
    return format_micros(micros, digits=3)


def _audience(obj: dict[str, Any], groups: dict[str, str]) -> str | None:
    ref = objects.audience_of(obj)
    return groups.get(ref, ref) if ref else None


def _expectations(raw: list[dict[str, Any]], delivered: str | None) -> list[ExpectationPublic]:
    found = []
    for e in raw:
        deadline = _ts(micros_of(delivered) + e["within_minutes"] * _MINUTE) if delivered else None
        found.append(
            ExpectationPublic(
                id=e["id"],
                kind=e["kind"],
                within_minutes=e["within_minutes"],
                points=e["points"],
                rubric=e["rubric"],
                pattern_contains=(e.get("properties") or {}).get("pattern_contains"),
                deadline=deadline,
            )
        )
    return found


def exercise_public(
    obj: dict[str, Any], collection: str, names: dict[str, str], groups: dict[str, str]
) -> ExercisePublic:
    scenario = parse_scenario(obj["scenario"])
    delivered = {d["inject"]: d["at"] for d in obj.get("delivered", [])}
    started = obj.get("started_at")
    schedule = []
    for inject in scenario.injects:
        due = None
        if started and obj["status"] != ExerciseStatus.STOPPED:
            due = _ts(micros_of(started) + obj.get("paused_micros", 0) + inject.offset_minutes * _MINUTE)
        schedule.append(
            ScheduleItem(
                inject=inject.id,
                title=inject.title,
                offset_minutes=inject.offset_minutes,
                channel=inject.channel,
                targets=inject.targets,
                objective=inject.objective,
                due_at=delivered.get(inject.id, due),
                delivered_at=delivered.get(inject.id),
                expectations=_expectations([e.model_dump(mode="json") for e in inject.expectations], None),
            )
        )
    return ExercisePublic(
        id=obj["id"],
        name=obj["name"],
        scenario=scenario.id,
        title=scenario.title,
        narrative=scenario.narrative,
        objectives=scenario.objectives,
        status=ExerciseStatus(obj["status"]),
        controller=names.get(obj["controller_ref"], obj["controller_ref"]),
        participants=sorted(names.get(r, r) for r in obj["participant_refs"]),
        schedule=schedule,
        history=[HistoryEntry(**h) for h in obj["history"]],
        started_at=started,
        stopped_at=obj.get("stopped_at"),
        distribution=list(obj.get("distribution", [])),
        collection=collection,
        tlp=objects.tlp_of(obj),
        audience=_audience(obj, groups),
        created=obj["created"],
        modified=obj["modified"],
    )


def inject_public(
    obj: dict[str, Any], collection: str, names: dict[str, str], groups: dict[str, str], acks: dict[str, int]
) -> InjectPublic:
    ack = acks.get(obj["id"])
    return InjectPublic(
        id=obj["id"],
        exercise=obj["exercise_ref"],
        inject=obj["inject"],
        participant=names.get(obj["participant_ref"], obj["participant_ref"]),
        title=obj.get("name", ""),
        content=obj["content"],
        channel=Channel(obj["channel"]),
        delivered_at=obj["delivered_at"],
        expectations=_expectations(obj.get("expectations", []), obj["delivered_at"]),
        acknowledged_at=format_micros(ack) if ack is not None else None,
        checks=list(obj.get("check_ids", [])),
        problem=obj.get("problem"),
        collection=collection,
        tlp=objects.tlp_of(obj),
        audience=_audience(obj, groups),
    )


def score_public(obj: dict[str, Any], names: dict[str, str], groups: dict[str, str]) -> ScorePublic:
    return ScorePublic(
        id=obj["id"],
        participant=names.get(obj["participant_ref"], obj["participant_ref"]),
        total=obj["total"],
        max_points=obj["max_points"],
        percent=scoring.percent(obj["total"], obj["max_points"]),
        unscored=obj["unscored"],
        results=[ResultPublic(**line) for line in obj.get("results", [])],
        scored_at=obj["scored_at"],
        tlp=objects.tlp_of(obj),
        audience=_audience(obj, groups),
    )


def appeal_public(
    obj: dict[str, Any], decision: dict[str, Any] | None, names: dict[str, str], groups: dict[str, str]
) -> AppealPublic:
    return AppealPublic(
        id=obj["id"],
        exercise=obj["exercise_ref"],
        participant=names.get(obj["participant_ref"], obj["participant_ref"]),
        inject=obj["inject"],
        expectation=obj["expectation"],
        reason=obj["reason"],
        filed_at=obj["created"],
        outcome=AppealOutcome(decision["outcome"]) if decision else AppealOutcome.OPEN,
        decision=decision["reason"] if decision else None,
        decided_at=decision["at"] if decision else None,
        points_before=decision["points_before"] if decision else None,
        points_after=decision.get("points", decision["points_before"]) if decision else None,
        tlp=objects.tlp_of(obj),
        audience=_audience(obj, groups),
    )
