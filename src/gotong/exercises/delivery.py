"""Sending due injects and scoring: what the drill clock does for each running exercise.

:func:`deliver_due` writes one inject record per target (and sends the contact checks of a
``contact-check`` inject); :func:`rescore` reads, as the hub, what the platform recorded (when each
acknowledgement and indicator was stored, when each check was answered) and stores the results
``scoring.py`` makes of it, with the exercise's anonymised distribution.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Engine

from gotong import contacts
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.exercises import objects, records, scoring, storage
from gotong.exercises.objects import INJECT_TYPE, SCORE_TYPE
from gotong.exercises.scenarios import ALL, Channel, ExpectationKind, Inject, parse_scenario
from gotong.exercises.schemas import ExerciseStatus
from gotong.orgs.service import Organisation, hub, list_orgs
from gotong.settings import Settings
from gotong.sharing.tlp import TLP
from gotong.stix.exercise import EXERCISE_PROPERTY
from gotong.stix.timestamps import micros_of

_MINUTE = 60_000_000
_DUTY_DESK = "duty-desk"


def deliver_due(
    engine: Engine,
    exercise: dict[str, Any],
    collection: str,
    controller: Organisation,
    *,
    settings: Settings | None,
    base_url: str,
    now: int,
) -> int:
    scenario = parse_scenario(exercise["scenario"])
    elapsed = now - micros_of(exercise["started_at"]) - exercise.get("paused_micros", 0)
    done = {d["inject"] for d in exercise.get("delivered", [])}
    due = [i for i in scenario.injects if i.id not in done and i.offset_minutes * _MINUTE <= elapsed]
    if not due:
        return 0
    operator = Principal(org_id=controller.id, org_short=controller.short_name)
    with read_connection(engine) as conn:
        participants = [records.org_by_identity(conn, ref) for ref in exercise["participant_refs"]]
    stamp = records.ts(now)
    made: list[dict[str, Any]] = []
    for inject in due:
        targets = [p for p in participants if ALL in inject.targets or p.short_name in inject.targets]
        for participant in targets:
            checks: list[int] = []
            contact_ids: list[int] = []
            problem: str | None = None
            mailed: list[int] = []
            if inject.channel == Channel.CONTACT_CHECK:
                checks, contact_ids, problem = _contact_checks(
                    engine, operator, participant, settings, base_url, now
                )
            elif inject.channel == Channel.EMAIL:
                mailed, problem = _mail_desks(engine, exercise, inject, participant, settings, base_url)
            group = records.group(
                engine,
                f"drill {participant.short_name}+{controller.short_name}",
                [participant.short_name, controller.short_name],
                controller,
            )
            made.append(
                objects.record(
                    INJECT_TYPE,
                    stix_id=objects.new_id(INJECT_TYPE),
                    exercise_id=exercise["id"],
                    now=stamp,
                    by=controller.identity_id,
                    markings=[TLP.AMBER_STRICT.marking_id, group.marking_id],
                    props={
                        "name": inject.title,
                        "exercise_ref": exercise["id"],
                        "inject": inject.id,
                        "participant_ref": participant.identity_id,
                        "content": inject.content,
                        "channel": str(inject.channel),
                        "delivered_at": stamp,
                        "expectations": [
                            e.model_dump(mode="json", exclude_none=True) for e in inject.expectations
                        ],
                        "check_ids": checks,
                        "contact_ids": contact_ids or mailed,
                        **({"problem": problem} if problem else {}),
                    },
                )
            )
    delivered = [*exercise.get("delivered", []), *({"inject": i.id, "at": stamp} for i in due)]
    revised = objects.revised(
        exercise, modified=records.after(exercise["modified"], now), props={"delivered": delivered}
    )
    storage.write(engine, operator, collection, [*made, revised])
    return len(made)


def _mail_desks(
    engine: Engine,
    exercise: dict[str, Any],
    inject: Inject,
    participant: Organisation,
    settings: Settings | None,
    base_url: str,
) -> tuple[list[int], str | None]:
    """Mail the inject to the participant's 24/7 desks, marked as an exercise in the subject and the
    first line, pointing to the page where the desk acknowledges it. The contacts mailed, and what
    went wrong (no desk with an e-mail address, the SMTP server refused)."""
    link = f"{(base_url or (settings or Settings()).base_url).rstrip('/')}/exercises/{exercise['id']}"
    text = (
        f"EXERCISE - this is an inject of the drill {exercise['name']!r}, not a real incident.\n\n"
        f"{inject.content}\n\nAcknowledge it on {link}\n"
    )
    sent = contacts.notify_org(
        engine,
        settings=settings or Settings(),
        org_id=participant.id,
        roles=(_DUTY_DESK,),
        subject=f"[EXERCISE] {inject.title}",
        text=text,
        body={},
        channels=frozenset({contacts.Channel.EMAIL}),
    )
    if not sent:
        return [], "no 24/7 desk of this organisation has an e-mail address"
    problems = [f"contact {d.contact_id}: {d.problem}" for d in sent if d.problem]
    return [d.contact_id for d in sent if not d.problem], "; ".join(problems) or None


def _contact_checks(
    engine: Engine,
    operator: Principal,
    participant: Organisation,
    settings: Settings | None,
    base_url: str,
    now: int,
) -> tuple[list[int], list[int], str | None]:
    """Send the participant's 24/7 desks a reachability check each, through the contact directory."""
    if settings is None:
        settings = Settings()
    desks = [
        c
        for c in contacts.list_contacts(engine, actor=operator, org=participant.short_name)
        if c.role == _DUTY_DESK
    ]
    checks, ids, problems = [], [], []
    for desk in desks:
        channel = (
            contacts.Channel.WEBHOOK if desk.webhook_url else contacts.Channel.EMAIL if desk.email else None
        )
        if channel is None:
            continue
        check = contacts.run_check(
            engine,
            actor=operator,
            contact_id=desk.id,
            check=contacts.CheckCreate(channel=channel),
            settings=settings,
            base_url=base_url or settings.base_url,
            now=now,
        )
        checks.append(check.id)
        ids.append(desk.id)
        if check.problem:
            problems.append(f"contact {desk.id}: {check.problem}")
    if not ids:
        return [], [], "no 24/7 desk of this organisation has a webhook or an e-mail to check"
    return checks, ids, "; ".join(problems) or None


def rescore(engine: Engine, exercise_id: str, *, now: int) -> None:
    """Score every participant from the platform's records and store what changed."""
    with read_connection(engine) as conn:
        controller = hub(conn)
        reader = records.hub_reader(conn, controller)
        collection, exercise = records.find(conn, reader, exercise_id)
        final = exercise["status"] == ExerciseStatus.STOPPED
        at = micros_of(exercise["stopped_at"]) if final else now
        injects: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for o in storage.latest(conn, reader, collection, types=(INJECT_TYPE,)):
            if o["exercise_ref"] == exercise_id:
                injects[o["participant_ref"]].append(o)
        scores = {
            o["participant_ref"]: o
            for o in storage.latest(conn, reader, collection, types=(SCORE_TYPE,))
            if o["exercise_ref"] == exercise_id
        }
        orgs = {o.identity_id: o for o in list_orgs(conn)}
        acks = _ack_times(conn, reader, collection, exercise_id)
        shared = _shared_indicators(conn, reader, collection, exercise_id)
    operator = Principal(org_id=controller.id, org_short=controller.short_name)
    stamp = records.ts(now)
    changed: list[dict[str, Any]] = []
    percents: list[float] = []
    for ref in exercise["participant_refs"]:
        mine = injects.get(ref, [])
        old = scores.get(ref)
        observed = _observations(engine, operator, orgs[ref].id, mine, acks, shared.get(orgs[ref].id, []))
        evaluations = {(e["inject"], e["expectation"]): e for e in (old or {}).get("evaluations", [])}
        decisions = {(d["inject"], d["expectation"]): d for d in (old or {}).get("decisions", [])}
        lines = scoring.results(
            injects=mine, observed=observed, evaluations=evaluations, decisions=decisions, now=at, final=final
        )
        total, maximum, unscored = scoring.totals(lines)
        value = scoring.percent(total, maximum)
        if value is not None:
            percents.append(value)
        props = {"results": lines, "total": total, "max_points": maximum, "unscored": unscored}
        if old is None:
            if not mine:
                continue
            group = records.group(
                engine,
                f"drill {orgs[ref].short_name}+{controller.short_name}",
                [orgs[ref].short_name, controller.short_name],
                controller,
            )
            changed.append(
                objects.record(
                    SCORE_TYPE,
                    stix_id=objects.new_id(SCORE_TYPE),
                    exercise_id=exercise_id,
                    now=stamp,
                    by=controller.identity_id,
                    markings=[TLP.AMBER_STRICT.marking_id, group.marking_id],
                    props={
                        "exercise_ref": exercise_id,
                        "participant_ref": ref,
                        "scored_at": stamp,
                        "evaluations": [],
                        "decisions": [],
                        **props,
                    },
                )
            )
        elif any(old.get(k) != v for k, v in props.items()):
            changed.append(
                objects.revised(
                    old, modified=records.after(old["modified"], now), props={**props, "scored_at": stamp}
                )
            )
    distribution = sorted(percents)
    if distribution != exercise.get("distribution"):
        changed.append(
            objects.revised(
                exercise,
                modified=records.after(exercise["modified"], now),
                props={"distribution": distribution},
            )
        )
    if changed:
        storage.write(engine, operator, collection, changed)


def _observations(
    engine: Engine,
    operator: Principal,
    participant_id: int,
    injects: list[dict[str, Any]],
    acks: dict[str, list[tuple[int, int, str]]],
    shared: list[tuple[int, dict[str, Any]]],
) -> dict[scoring.Key, tuple[int, str]]:
    """When the platform recorded each expected response (the first after the inject's delivery)."""
    found: dict[scoring.Key, tuple[int, str]] = {}
    for inject in injects:
        delivered = micros_of(inject["delivered_at"])
        participant_acks = [(t, i) for t, org, i in acks.get(inject["id"], []) if org == participant_id]
        for e in inject.get("expectations", []):
            key = (inject["inject"], e["id"])
            kind = ExpectationKind(e["kind"])
            candidates: list[tuple[int, str]] = []
            if kind == ExpectationKind.ACKNOWLEDGE:
                candidates = [(t, f"acknowledged by {i}") for t, i in participant_acks]
            elif kind == ExpectationKind.SHARE_INDICATOR:
                wanted = e["properties"]
                candidates = [
                    (t, f"indicator {obj['id']}")
                    for t, obj in shared
                    if wanted["pattern_contains"] in str(obj.get("pattern", ""))
                    and set(wanted.get("indicator_types", [])) <= set(obj.get("indicator_types", []))
                ]
            elif kind == ExpectationKind.ANSWER_CONTACT_CHECK:
                candidates = _answered_checks(engine, operator, inject)
            after = sorted(c for c in candidates if c[0] >= delivered)
            if after:
                found[key] = after[0]
    return found


def _answered_checks(engine: Engine, operator: Principal, inject: dict[str, Any]) -> list[tuple[int, str]]:
    """The answers to the checks the inject sent, and to phone checks of the same desks that the hub
    recorded after the delivery (when a mail or webhook could not reach the desk, the hub rings it)."""
    delivered = micros_of(inject["delivered_at"])
    found = []
    for contact_id in inject.get("contact_ids", []):
        for check in contacts.list_checks(engine, actor=operator, contact_id=contact_id):
            sent_here = check.id in inject.get("check_ids", [])
            rung = (
                check.channel == contacts.Channel.PHONE
                and check.recorded_by == operator.org_short
                and micros_of(check.sent_at) >= delivered
            )
            if (sent_here or rung) and check.acknowledged_at is not None:
                found.append((micros_of(check.acknowledged_at), f"contact check {check.id} answered"))
    return found


def _ack_times(
    conn: Connection, reader: Any, collection: str, exercise_id: str
) -> dict[str, list[tuple[int, int, str]]]:
    """Per inject: (stored at, submitting organisation, note id) of each acknowledgement."""
    found: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for item, note in storage.versions(conn, reader, collection, types=("note",)):
        if note.get(EXERCISE_PROPERTY) == exercise_id:
            for ref in note.get("object_refs", []):
                found[ref].append((item.date_added, item.submitter_org_id, note["id"]))
    return found


def _shared_indicators(
    conn: Connection, reader: Any, collection: str, exercise_id: str
) -> dict[int, list[tuple[int, dict[str, Any]]]]:
    """Per submitting organisation: (stored at, indicator) of the exercise's indicators."""
    found: dict[int, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for item, obj in storage.versions(conn, reader, collection, types=("indicator",)):
        if obj.get(EXERCISE_PROPERTY) == exercise_id:
            found[item.submitter_org_id].append((item.date_added, obj))
    return found


def acks(conn: Connection, reader: Any, collection: str, exercise_id: str) -> dict[str, int]:
    return {
        ref: min(t for t, _o, _i in times)
        for ref, times in _ack_times(conn, reader, collection, exercise_id).items()
    }
