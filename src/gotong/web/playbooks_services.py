"""The service calls behind the playbook pages and the case page's playbook form, each taking ``actor``.

Each calls one ``gotong.playbooks`` verb, which checks roles and applies the sharing policy itself;
what is left here is reading a form and turning the verb's refusals into problems named by field.
"""

from __future__ import annotations

from sqlalchemy import Engine

from gotong import playbooks
from gotong.core.auth import Principal
from gotong.errors import Invalid, NotFound
from gotong.web.services import FormInvalid, signed_in


def playbook_list(engine: Engine, *, actor: Principal) -> list[playbooks.PlaybookSummary]:
    signed_in(actor)
    return playbooks.list_playbooks(engine, actor=actor)


def playbook(engine: Engine, *, actor: Principal, playbook_id: str, version: str) -> playbooks.PlaybookPublic:
    signed_in(actor)
    return playbooks.get_playbook(engine, actor=actor, playbook_id=playbook_id, version=version or None)


def steps_of(document: dict[str, object]) -> list[dict[str, str]]:
    """The workflow's steps in the order they are reached from its start, for reading."""
    workflow = document.get("workflow")
    if not isinstance(workflow, dict):
        return []
    order: list[str] = []
    todo = [str(document.get("workflow_start", ""))]
    while todo:
        step_id = todo.pop(0)
        step = workflow.get(step_id)
        if step_id in order or not isinstance(step, dict):
            continue
        order.append(step_id)
        nexts = [step.get(k) for k in ("on_true", "on_false", "on_success", "on_failure", "on_completion")]
        todo += [str(n) for n in [*step.get("next_steps", []), *nexts] if n]
    return [
        {
            "kind": str(workflow[s]["type"]),
            "name": str(workflow[s].get("name") or workflow[s].get("description") or ""),
            "condition": str(workflow[s].get("condition", "")),
        }
        for s in order
        if workflow[s]["type"] not in ("start", "end")
    ]


def case_runs(engine: Engine, *, actor: Principal, case_id: str) -> list[playbooks.RunPublic]:
    signed_in(actor)
    return playbooks.case_playbooks(engine, actor=actor, case_id=case_id)


def apply(engine: Engine, *, actor: Principal, case_id: str, playbook_id: str) -> None:
    signed_in(actor)
    if not playbook_id:
        raise FormInvalid({"playbook": "Choose the playbook to apply"})
    try:
        playbooks.apply_playbook(
            engine, actor=actor, case_id=case_id, apply=playbooks.PlaybookApply(playbook=playbook_id)
        )
    except (Invalid, NotFound) as exc:
        if "playbook" not in str(exc):
            raise
        raise FormInvalid({"playbook": str(exc)}) from None


def advance(engine: Engine, *, actor: Principal, case_id: str) -> None:
    signed_in(actor)
    playbooks.advance_playbooks(engine, actor=actor, case_id=case_id)
