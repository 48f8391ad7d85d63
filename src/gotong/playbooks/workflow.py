"""Walking a CACAO workflow as a case's tasks are done: pure rules, no I/O.

A run's state is plain data (stored in the run object). :func:`walk` moves every branch of the
workflow as far as the recorded outcomes allow and says which steps now need tasks:

* an ``action`` (and a ``playbook-action``, ``while-condition`` or ``switch-condition``, which
  people carry out by hand here) becomes one task per organisation holding the step's role; when
  all are done it goes on by ``on_success`` (every task successful) or ``on_failure`` (one failed
  or was cancelled), else ``on_completion``;
* an ``if-condition`` becomes a decision task for the case's lead: ``successful`` means the
  condition holds (``on_true``), ``failed`` that it does not (``on_false``); the branch ends at its
  end step and the workflow goes on at the condition's ``on_completion``;
* a ``parallel`` step starts each of its ``next_steps`` and goes on at its ``on_completion`` when
  every branch has reached its end.

Not for reading or writing anything (``service.py``) nor for validating documents (``cacao.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from gotong.playbooks.objects import CACAO_EXTENSION_ID

__all__ = ["CASE_ROLES", "DONE", "ClockDecl", "Walked", "clocks_of", "initial_state", "role_of", "walk"]

CASE_ROLES = ("lead", "affected", "assisting", "informed", "hub")
DONE = frozenset({"successful", "failed", "cancelled"})
_MANUAL = frozenset({"action", "playbook-action", "while-condition", "switch-condition", "if-condition"})
_MAX_MOVES = 10_000  # a workflow that loops without waiting on a task stops here


@dataclass(frozen=True)
class ClockDecl:
    """A clock a playbook starts when applied: ``party`` (a case role) must get ``met_by`` (an
    action step) done successfully within ``hours`` of the application."""

    clock: str
    name: str
    hours: float
    party: str
    met_by: str


@dataclass(frozen=True)
class Walked:
    state: dict[str, Any]
    new_steps: list[str]  # steps that need their tasks now, in the order reached


def role_of(document: dict[str, Any], step: dict[str, Any]) -> str:
    """The case role that performs ``step``: its agent's Gotong role, else the lead."""
    if step.get("type") == "if-condition":
        return "lead"
    agent = document.get("agent_definitions", {}).get(step.get("agent", ""), {})
    ext = agent.get("agent_target_extensions", {}).get(CACAO_EXTENSION_ID, {})
    role = ext.get("case_role", "lead")
    return str(role) if role in CASE_ROLES else "lead"


def clocks_of(document: dict[str, Any]) -> list[ClockDecl]:
    raw = document.get("playbook_extensions", {}).get(CACAO_EXTENSION_ID, {}).get("clocks", [])
    return [
        ClockDecl(
            clock=str(c["clock"]),
            name=str(c.get("name", c["clock"])),
            hours=float(c["hours"]),
            party=str(c.get("party", "lead")),
            met_by=str(c["met_by"]),
        )
        for c in raw
    ]


def extension_problems(document: dict[str, Any]) -> list[str]:
    """What is wrong with Gotong's extension in ``document`` (roles, clocks), naming the property."""
    found = []
    workflow = document.get("workflow", {})
    for agent_id, agent in document.get("agent_definitions", {}).items():
        ext = agent.get("agent_target_extensions", {}).get(CACAO_EXTENSION_ID)
        if ext is not None and ext.get("case_role") not in CASE_ROLES:
            found.append(
                f"agent_definitions.{agent_id}.agent_target_extensions.{CACAO_EXTENSION_ID}.case_role: "
                f"{ext.get('case_role')!r} is not one of {', '.join(CASE_ROLES)}"
            )
    ext = document.get("playbook_extensions", {}).get(CACAO_EXTENSION_ID, {})
    where = f"playbook_extensions.{CACAO_EXTENSION_ID}.clocks"
    clocks = ext.get("clocks", [])
    if not isinstance(clocks, list):
        return [*found, f"{where}: is a list of clocks"]
    for i, c in enumerate(clocks):
        if not isinstance(c, dict) or not isinstance(c.get("clock"), str):
            found.append(f"{where}[{i}].clock: is required (a name)")
            continue
        hours = c.get("hours")
        if not isinstance(hours, int | float) or not math.isfinite(hours) or hours <= 0:
            found.append(f"{where}[{i}].hours: a positive number of hours is required")
        if c.get("party", "lead") not in CASE_ROLES:
            found.append(f"{where}[{i}].party: {c.get('party')!r} is not one of {', '.join(CASE_ROLES)}")
        met_by = c.get("met_by")
        if not isinstance(met_by, str) or workflow.get(met_by, {}).get("type") not in _MANUAL:
            found.append(f"{where}[{i}].met_by: names no action step of the workflow ({met_by})")
    return found


def initial_state(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "threads": [{"at": document["workflow_start"], "stack": [], "join": None}],
        "joins": [],
        "steps": [],
        "finished": False,
    }


def walk(document: dict[str, Any], state: dict[str, Any], outcomes: dict[str, str]) -> Walked:
    """Move every branch as far as ``outcomes`` (task id -> recorded outcome) allow."""
    workflow: dict[str, Any] = document["workflow"]
    threads = [dict(t, stack=list(t["stack"])) for t in state["threads"]]
    joins = {j["id"]: dict(j) for j in state["joins"]}
    steps = {s["step"]: dict(s, tasks=list(s["tasks"])) for s in state["steps"]}
    new: list[str] = []
    moves = 0
    progressed = True
    while progressed and moves < _MAX_MOVES:
        progressed = False
        for thread in list(threads):
            while moves < _MAX_MOVES:
                moves += 1
                at = thread["at"]
                step = workflow.get(at) if at else None
                if step is None or step["type"] == "end":
                    if _finish(thread, threads, joins):
                        progressed = True
                    break
                kind = step["type"]
                if kind == "start":
                    thread["at"] = step.get("on_completion") or step.get("on_success")
                    continue
                if kind == "parallel":
                    join_id = f"{at}#{len(joins)}"
                    joins[join_id] = {
                        "id": join_id,
                        "left": len(step["next_steps"]),
                        "then": step.get("on_completion"),
                        "stack": thread["stack"],
                        "join": thread["join"],
                    }
                    threads.remove(thread)
                    threads.extend({"at": n, "stack": [], "join": join_id} for n in step["next_steps"])
                    progressed = True
                    break
                record = steps.get(at)
                if record is None:
                    steps[at] = {"step": at, "tasks": [], "outcome": None}
                    new.append(at)
                    break
                outcome = _outcome(record["tasks"], outcomes)
                if outcome is None:
                    break  # waiting on its tasks
                record["outcome"] = outcome
                thread["at"] = _next(step, outcome, thread)
    return Walked(
        state={
            "threads": threads,
            "joins": list(joins.values()),
            "steps": list(steps.values()),
            "finished": not threads,
        },
        new_steps=new,
    )


def _outcome(tasks: list[str], outcomes: dict[str, str]) -> str | None:
    got = [outcomes.get(t) for t in tasks]
    if not tasks or any(o not in DONE for o in got):
        return None
    return "successful" if all(o == "successful" for o in got) else "failed"


def _next(step: dict[str, Any], outcome: str, thread: dict[str, Any]) -> str | None:
    after = step.get("on_completion")
    if step["type"] == "if-condition":
        branch = step.get("on_true") if outcome == "successful" else step.get("on_false")
        if branch is None:
            return after
        if after:
            thread["stack"].append(after)
        return str(branch)
    chosen = step.get("on_success") if outcome == "successful" else step.get("on_failure")
    return chosen or after


def _finish(thread: dict[str, Any], threads: list[dict[str, Any]], joins: dict[str, Any]) -> bool:
    """A branch reached an end: back to what it interrupted, else its parallel step's join."""
    if thread["stack"]:
        thread["at"] = thread["stack"].pop()
        return True
    threads.remove(thread)
    join_id = thread["join"]
    if join_id is None:
        return True
    join = joins[join_id]
    join["left"] -= 1
    if join["left"] == 0:
        threads.append({"at": join["then"], "stack": list(join["stack"]), "join": join["join"]})
    return True
