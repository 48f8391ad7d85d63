"""The verbs of the playbooks domain: import, list, show and export CACAO playbooks; apply one to a
case and follow it as the case's tasks are done.

Playbooks and runs are STIX objects written through the intel store (``storage.py``), so TLP,
audience, receipts, audit and federation apply to them unchanged, and every read goes through the
intel read path, which carries the sharing policy. A run changes the case only through the
incidents domain's public verbs (``add_task``), which decide who may.
"""

from __future__ import annotations

import contextlib
from typing import Any

import orjson
from sqlalchemy import Connection, Engine

from gotong import incidents
from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Conflict, Invalid, NotFound
from gotong.incidents import CasePublic, ClockState, TaskCreate
from gotong.intel.collections import get_collection
from gotong.orgs.service import Organisation, get_org, hub, list_orgs
from gotong.playbooks import cacao, objects, policy, storage, workflow
from gotong.playbooks.schemas import (
    PlaybookApply,
    PlaybookImport,
    PlaybookPublic,
    PlaybookSummary,
    RunClock,
    RunPublic,
    RunStep,
)
from gotong.sharing.service import get_group, list_groups, load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import TimestampError, format_micros, micros_of, now_micros

__all__ = [
    "advance_playbooks",
    "apply_playbook",
    "case_playbooks",
    "get_playbook",
    "import_playbook",
    "list_playbooks",
]

_TLPS = (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)
_HOUR = 3_600_000_000


def import_playbook(
    engine: Engine, *, actor: Principal, request: PlaybookImport, schemas: str
) -> PlaybookPublic:
    """Store a CACAO 2.0 document as a version of its playbook (its ``modified`` names the version);
    older versions are kept. ``schemas`` is the directory of the CACAO JSON schemas.

    A document the schemas refuse is refused with every failing property named; the same version
    again is accepted and changes nothing; other content under a stored version is a conflict.
    """
    policy.may_import(actor)
    document = request.playbook
    problems = _checker(schemas).problems(document)
    problems += workflow.extension_problems(document) if not problems else []
    if problems:
        raise Invalid("playbook: " + "; ".join(problems))
    tlp = TLP.parse(request.tlp)
    if tlp not in _TLPS:
        raise Invalid(f"tlp: a playbook is marked {', '.join(t.slug for t in _TLPS)}, not {tlp.slug}")
    created, modified = _ms(document["created"], "created"), _ms(document["modified"], "modified")
    with read_connection(engine) as conn:
        me = get_org(conn, org_id=_org_id(actor))
        collection = get_collection(conn, request.collection).id
        group = get_group(conn, name=request.sharing_group).marking_id if request.sharing_group else None
        reader = load_reader(conn, actor)
        for stored in _versions(conn, reader, document["id"]):
            if stored[1]["modified"] == modified and objects.document_of(stored[1]) != document:
                raise Conflict(
                    f"playbook {document['id']} version {modified} is stored with other content; "
                    "a changed playbook needs a later modified"
                )
        publisher = _publisher(conn, me)
    obj = objects.playbook_object(
        document,
        created=created,
        modified=modified,
        created_by_ref=me.identity_id,
        markings=[tlp.marking_id, *([group] if group else [])],
    )
    definition = objects.extension_definition(objects.PLAYBOOK_TYPE, publisher)
    storage.write(engine, actor, collection, [definition, obj])
    return get_playbook(engine, actor=actor, playbook_id=document["id"], version=modified)


def list_playbooks(engine: Engine, *, actor: Principal) -> list[PlaybookSummary]:
    """The latest version of each playbook the actor may see, by name."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        groups = _groups(conn)
        every: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for collection in sorted(reader.readable):
            for obj in storage.read(
                conn, reader, collection, types=(objects.PLAYBOOK_TYPE,), every_version=True
            ):
                if objects.is_playbook(obj):
                    every.setdefault(obj["playbook_id"], []).append((collection, obj))
    found = [_summary(versions, groups) for versions in every.values()]
    return sorted(found, key=lambda p: (p.name.lower(), p.id))


def get_playbook(
    engine: Engine, *, actor: Principal, playbook_id: str, version: str | None = None
) -> PlaybookPublic:
    """One playbook the actor may see: its latest version, or the one whose modified is ``version``."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        versions = _versions(conn, load_reader(conn, actor), playbook_id)
        groups = _groups(conn)
    if not versions:
        raise NotFound(f"no playbook {playbook_id} is visible to you")
    chosen = versions[-1]
    if version is not None:
        wanted = _ms(version, "version")
        chosen = next((v for v in versions if v[1]["modified"] == wanted), None)  # type: ignore[assignment]
        if chosen is None:
            known = ", ".join(v[1]["modified"] for v in versions)
            raise NotFound(f"playbook {playbook_id} has no version {version}; versions: {known}")
    summary = _summary(versions, groups, chosen=chosen)
    return PlaybookPublic(**summary.model_dump(), document=objects.document_of(chosen[1]))


def apply_playbook(
    engine: Engine, *, actor: Principal, case_id: str, apply: PlaybookApply, now: int | None = None
) -> RunPublic:
    """Apply a playbook to a case: its first action steps become the case's tasks, assigned to the
    organisations that hold each step's role, and the clocks it declares start now."""
    policy.may_apply(actor)
    case = incidents.get_case(engine, actor=actor, case_id=case_id)
    playbook = get_playbook(engine, actor=actor, playbook_id=apply.playbook, version=apply.version)
    document = playbook.document
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        markings = _case_markings(conn, actor, case)
        me = get_org(conn, org_id=_org_id(actor))
        publisher = _publisher(conn, me)
    clocks = [
        {
            "clock": c.clock,
            "name": c.name,
            "party": c.party,
            "hours": c.hours,
            "met_by": c.met_by,
            "started": format_micros(at, digits=3),
            "due": format_micros(at + round(c.hours * _HOUR), digits=3),
        }
        for c in workflow.clocks_of(document)
    ]
    state = _advance(engine, actor, case, document, workflow.initial_state(document), clocks, at)
    run = objects.run_object(
        now=format_micros(at, digits=3),
        created_by_ref=me.identity_id,
        markings=markings,
        name=playbook.name,
        props={
            "case_ref": case.id,
            "playbook_ref": objects.stix_id(playbook.id),
            "playbook_version": playbook.version,
            "workflow_state": orjson.dumps(state).decode(),
            "clocks": clocks,
        },
    )
    storage.write(
        engine, actor, case.collection, [objects.extension_definition(objects.RUN_TYPE, publisher), run]
    )
    return _find_run(engine, actor, case_id, run["id"], at)


def advance_playbooks(
    engine: Engine, *, actor: Principal, case_id: str, now: int | None = None
) -> list[RunPublic]:
    """Follow every playbook applied to a case past the outcomes recorded since: the steps that come
    next (by success or failure, by a decision's yes or no, each branch of a parallel step) become
    tasks. A run with nothing new is left as it is."""
    policy.may_apply(actor)
    at = now if now is not None else now_micros()
    case = incidents.get_case(engine, actor=actor, case_id=case_id)
    for run in _runs(engine, actor, case):
        if orjson.loads(run["workflow_state"]).get("finished"):
            continue
        playbook = get_playbook(
            engine, actor=actor, playbook_id=_cacao_id(run), version=run["playbook_version"]
        )
        before = run["workflow_state"]
        state = _advance(
            engine, actor, case, playbook.document, orjson.loads(before), run.get("clocks", []), at
        )
        after = orjson.dumps(state).decode()
        if after != before:
            modified = format_micros(max(at, micros_of(run["modified"]) + 1000), digits=3)
            storage.write(
                engine, actor, case.collection, [{**run, "modified": modified, "workflow_state": after}]
            )
    return case_playbooks(engine, actor=actor, case_id=case_id, now=at)


def case_playbooks(
    engine: Engine, *, actor: Principal, case_id: str, now: int | None = None
) -> list[RunPublic]:
    """The playbooks applied to a case the actor may see, with their steps and clocks at ``now``."""
    policy.may_read(actor)
    at = now if now is not None else now_micros()
    case = incidents.get_case(engine, actor=actor, case_id=case_id)
    with read_connection(engine) as conn:
        names = {o.identity_id: o.short_name for o in list_orgs(conn)}
    runs = [_run_public(r, case, names, at) for r in _runs(engine, actor, case)]
    return sorted(runs, key=lambda r: (r.applied, r.id))


# --- helpers -------------------------------------------------------------------------------------------


def _checker(directory: str) -> cacao.CacaoSchemas:
    if not directory:
        raise Invalid(
            "this node cannot check CACAO playbooks: its operator sets GOTONG_CACAO_SCHEMAS to the "
            "folder of the OASIS CACAO 2.0 JSON schemas"
        )
    try:
        return cacao.schemas_at(directory)
    except (OSError, ValueError) as exc:
        raise Invalid(f"the CACAO schemas could not be read: {exc}") from None


def _advance(
    engine: Engine,
    actor: Principal,
    case: CasePublic,
    document: dict[str, Any],
    state: dict[str, Any],
    clocks: list[dict[str, Any]],
    at: int,
) -> dict[str, Any]:
    """Walk the workflow on the case's recorded outcomes and add the tasks of the steps reached,
    until no more steps open (a step whose tasks are done at once goes on at once)."""
    while True:
        outcomes = {t.id: str(t.object.get("outcome", "")) for t in case.tasks}
        walked = workflow.walk(document, state, outcomes)
        state = walked.state
        if not walked.new_steps:
            return state
        orgs = _orgs_by_role(engine, case)
        for step_id in walked.new_steps:
            step = document["workflow"][step_id]
            role = workflow.role_of(document, step)
            due = min((c["due"] for c in clocks if c["met_by"] == step_id), default=None)
            record = next(s for s in state["steps"] if s["step"] == step_id)
            record["role"] = role
            record["name"] = _task_name(step)
            for org in orgs.get(role) or [case.lead]:
                task = incidents.add_task(
                    engine,
                    actor=actor,
                    case_id=case.id,
                    task=TaskCreate(
                        name=_task_name(step)[:300],
                        description=_task_description(document, step, role)[:20_000],
                        assigned_to=org,
                        due=due,
                    ),
                )
                record["tasks"].append(task.id)
        case = incidents.get_case(engine, actor=actor, case_id=case.id)


def _orgs_by_role(engine: Engine, case: CasePublic) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"lead": [case.lead]}
    for p in case.participants:
        found.setdefault(str(p.role), []).append(p.org)
    # without a hub on this node, the lead does the hub's steps
    with read_connection(engine) as conn, contextlib.suppress(NotFound):
        found["hub"] = [hub(conn).short_name]
    return found


def _task_name(step: dict[str, Any]) -> str:
    name = step.get("name") or step.get("description") or step["type"]
    if step["type"] == "if-condition":
        return f"Decide: {name}"
    return str(name)


def _task_description(document: dict[str, Any], step: dict[str, Any], role: str) -> str:
    lines = [f"Step of the playbook {document['name']!r}, for the {role}."]
    if step.get("description"):
        lines.append(str(step["description"]))
    for command in step.get("commands", ()):
        if command.get("command"):
            lines.append(f"- {command['command']}")
    if step["type"] == "if-condition":
        lines.append(
            f"Condition: {step['condition']}. Record the outcome successful if it holds, failed if not."
        )
    return "\n".join(lines)


def _case_markings(conn: Connection, actor: Principal, case: CasePublic) -> list[str]:
    """The markings of the case's incident: a run reaches exactly who the case reaches."""
    reader = load_reader(conn, actor)
    for obj in storage.read(conn, reader, case.collection, types=("incident",), ids=(case.id,)):
        return [str(r) for r in obj.get("object_marking_refs", ())]
    raise NotFound(f"no case {case.id} is visible to you")


def _runs(engine: Engine, actor: Principal, case: CasePublic) -> list[dict[str, Any]]:
    with read_connection(engine) as conn:
        reader = load_reader(conn, actor)
        return [
            r
            for r in storage.read(conn, reader, case.collection, types=(objects.RUN_TYPE,))
            if objects.is_run(r) and r["case_ref"] == case.id
        ]


def _find_run(engine: Engine, actor: Principal, case_id: str, run_id: str, at: int) -> RunPublic:
    for run in case_playbooks(engine, actor=actor, case_id=case_id, now=at):
        if run.id == run_id:
            return run
    raise NotFound(f"no playbook run {run_id} is visible to you")


def _run_public(run: dict[str, Any], case: CasePublic, names: dict[str, str], at: int) -> RunPublic:
    state = orjson.loads(run["workflow_state"])
    tasks = {t.id: t for t in case.tasks}
    steps = {s["step"]: s for s in state["steps"]}
    shown = []
    for s in state["steps"]:
        shown.append(
            RunStep(
                step=s["step"],
                name=s.get("name", s["step"]),
                role=s.get("role", "lead"),
                tasks=s["tasks"],
                outcome=s.get("outcome"),
            )
        )
    clocks = []
    ended = next((micros_of(c.at) for c in case.status_history if not incidents.allowed_next(c.status)), None)
    for c in run.get("clocks", []):
        record = steps.get(c["met_by"])
        met = None
        if record and record.get("outcome") == "successful":
            done = [micros_of(tasks[t].modified) for t in record["tasks"] if t in tasks]
            met = max(done, default=None)
        due = micros_of(c["due"])
        if met is not None and met <= due:
            state_now = ClockState.MET
        elif due <= (at if ended is None else min(at, ended)):
            state_now = ClockState.BREACHED
        elif ended is not None:
            state_now = ClockState.STOPPED
        else:
            state_now = ClockState.RUNNING
        clocks.append(
            RunClock(
                clock=c["clock"],
                name=c["name"],
                party=c["party"],
                hours=float(c["hours"]),
                started=c["started"],
                due=c["due"],
                met=format_micros(met, digits=3) if met is not None else None,
                state=state_now,
            )
        )
    return RunPublic(
        id=run["id"],
        case=case.id,
        playbook=_cacao_id(run),
        version=run["playbook_version"],
        name=run.get("name", ""),
        applied_by=names.get(run["created_by_ref"], run["created_by_ref"]),
        applied=run["created"],
        finished=bool(state.get("finished")),
        steps=shown,
        clocks=clocks,
    )


def _cacao_id(run: dict[str, Any]) -> str:
    return "playbook--" + str(run["playbook_ref"]).split("--", 1)[1]


def _versions(conn: Connection, reader: Any, playbook_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Every version of a playbook the reader may see, oldest first, with its collection."""
    if not playbook_id.startswith("playbook--"):
        raise NotFound(f"{playbook_id!r} is not a CACAO playbook id (playbook--<UUID>)")
    wanted = objects.stix_id(playbook_id)
    found = [
        (collection, obj)
        for collection in sorted(reader.readable)
        for obj in storage.read(
            conn, reader, collection, types=(objects.PLAYBOOK_TYPE,), ids=(wanted,), every_version=True
        )
        if objects.is_playbook(obj)
    ]
    return sorted(found, key=lambda v: micros_of(v[1]["modified"]))


def _summary(
    versions: list[tuple[str, dict[str, Any]]],
    groups: dict[str, str],
    *,
    chosen: tuple[str, dict[str, Any]] | None = None,
) -> PlaybookSummary:
    ordered = sorted(versions, key=lambda v: micros_of(v[1]["modified"]))
    collection, obj = chosen or ordered[-1]
    document = objects.document_of(obj)
    steps = document.get("workflow", {})
    audience = objects.audience_of(obj)
    return PlaybookSummary(
        id=obj["playbook_id"],
        name=obj.get("name", ""),
        description=obj.get("description", ""),
        playbook_types=list(obj.get("playbook_types", [])),
        version=obj["modified"],
        versions=list(dict.fromkeys(v[1]["modified"] for v in ordered)),
        collection=collection,
        tlp=objects.tlp_of(obj),
        audience=groups.get(audience, audience) if audience else None,
        steps=len(steps),
        roles=sorted(
            {workflow.role_of(document, s) for s in steps.values() if s.get("type") not in ("start", "end")}
        ),
        clocks=[c.name for c in workflow.clocks_of(document)],
    )


def _ms(value: Any, name: str) -> str:
    try:
        return format_micros(micros_of(str(value)), digits=3)
    except TimestampError as exc:
        raise Invalid(f"{name}: {exc}") from None


def _groups(conn: Connection) -> dict[str, str]:
    return {g.marking_id: g.name for g in list_groups(conn)}


def _publisher(conn: Connection, fallback: Organisation) -> str:
    try:
        return hub(conn).identity_id
    except NotFound:
        return fallback.identity_id


def _org_id(actor: Principal) -> int:
    if actor.org_id is None:
        raise Invalid("only an authenticated organisation can do this")
    return actor.org_id
