"""The workflow walk on its own: what a CACAO step waits for and where it goes next."""

from __future__ import annotations

from typing import Any

import gotong.playbooks as playbooks
from gotong.playbooks.workflow import initial_state, walk

S, A, B, C, E, F = (f"{k}--00000000-0000-4000-8000-00000000000{i}" for i, k in enumerate(
    ["start", "action", "action", "action", "end", "end"]
))  # fmt: skip


def _doc(**workflow: Any) -> dict[str, Any]:
    return {"workflow_start": S, "workflow": workflow, "name": "t"}


def test_an_action_goes_on_by_success_or_failure() -> None:
    doc = _doc(
        **{
            S: {"type": "start", "on_completion": A},
            A: {"type": "action", "on_success": B, "on_failure": C},
            B: {"type": "action", "on_completion": E},
            C: {"type": "action", "on_completion": E},
            E: {"type": "end"},
        }
    )
    first = walk(doc, initial_state(doc), {})
    assert first.new_steps == [A]
    state = first.state
    state["steps"][0]["tasks"] = ["t1"]
    assert walk(doc, state, {"t1": "ongoing"}).new_steps == []  # not done yet: waits
    assert walk(doc, state, {"t1": "failed"}).new_steps == [C]
    assert walk(doc, state, {"t1": "successful"}).new_steps == [B]


def test_a_workflow_reaching_its_end_is_finished() -> None:
    doc = _doc(
        **{
            S: {"type": "start", "on_completion": A},
            A: {"type": "action", "on_completion": E},
            E: {"type": "end"},
        }
    )
    state = walk(doc, initial_state(doc), {}).state
    state["steps"][0]["tasks"] = ["t1"]
    assert not state["finished"]
    assert walk(doc, state, {"t1": "cancelled"}).state["finished"]


def test_the_public_interface_is_pinned() -> None:
    assert sorted(playbooks.__all__) == sorted(
        [
            "CacaoSchemas", "PlaybookApply", "PlaybookImport", "PlaybookPublic", "PlaybookSummary",
            "RunClock", "RunPublic", "RunStep", "advance_playbooks", "apply_playbook", "case_playbooks",
            "get_playbook", "import_playbook", "library", "library_files", "list_playbooks", "schemas_at",
        ]
    )  # fmt: skip
    assert all(hasattr(playbooks, name) for name in playbooks.__all__)
