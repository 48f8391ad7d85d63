"""CACAO 2.0 validation: a playbook document checked against the OASIS CACAO JSON schemas, then
against the rules the schemas cannot say (every step a workflow names exists, every agent a step
names is defined), each problem naming the property that fails.

The schemas are OASIS's files, read from a directory the node is told of (the setting
``cacao_schemas``, ``GOTONG_CACAO_SCHEMAS``), never copied into the package. Their ``$id`` values
name a folder (``"data-types"``) shared by every file in it, so they identify nothing; each file is
registered under its own path instead (its ``$id`` replaced), and ``$ref`` resolves relative to it.

Not for storing or applying playbooks (``service.py``, ``workflow.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from referencing import Registry
from referencing.jsonschema import DRAFT7

if TYPE_CHECKING:
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import ValidationError

__all__ = ["SPEC_VERSION", "CacaoSchemas", "schemas_at"]

SPEC_VERSION = "cacao-2.0"
_ROOT = "playbook.json"
_BASE = "https://cacao.invalid/schemas/"  # where relative $refs resolve; never fetched
# where a step may go next, by property (the end step goes nowhere)
_NEXT = ("on_completion", "on_success", "on_failure", "on_true", "on_false")
_MAX_ERRORS = 20


@dataclass(frozen=True)
class CacaoSchemas:
    """The CACAO JSON schemas of one directory, ready to validate playbooks."""

    directory: Path
    validator: Draft7Validator

    def problems(self, document: Any) -> list[str]:
        """Every problem of ``document`` as ``property: message`` (empty when it is a valid playbook)."""
        if not isinstance(document, dict):
            return ["(document): a CACAO playbook is a JSON object"]
        found = [_describe(e) for e in _leaves(self.validator.iter_errors(document))]
        if not found:
            found = list(_references(document))
        return sorted(dict.fromkeys(found))[:_MAX_ERRORS]


@lru_cache(maxsize=4)
def schemas_at(directory: str) -> CacaoSchemas:
    """The schemas in ``directory`` (OASIS's ``schemas/`` folder: ``playbook.json`` and its folders)."""
    root = Path(directory)
    if not (root / _ROOT).is_file():
        raise FileNotFoundError(f"{root} holds no CACAO {_ROOT} (set cacao_schemas to the schemas folder)")
    registry: Registry[Any] = Registry()
    for path in sorted(root.rglob("*.json")):
        contents = json.loads(path.read_text("utf-8"))
        uri = _BASE + path.relative_to(root).as_posix()
        contents["$id"] = uri
        registry = registry.with_resource(uri, DRAFT7.create_resource(contents))
    main = registry.contents(_BASE + _ROOT)
    # jsonschema is imported here, when schemas are first read: importing it also loads the IRI
    # grammar of rfc3987-syntax (2.6 s), which every `gotong` command and server start paid before.
    from jsonschema import Draft7Validator

    validator = Draft7Validator(main, registry=registry)
    return CacaoSchemas(directory=root, validator=validator)


def _leaves(errors: Iterator[ValidationError]) -> Iterator[ValidationError]:
    """The most specific errors: an ``allOf``/``anyOf`` failure is reported by what failed inside it."""
    for error in errors:
        if error.context:
            yield from _leaves(iter(error.context))
        else:
            yield error


def _describe(error: ValidationError) -> str:
    where = _path(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        where = _path([*error.absolute_path, missing])
        return f"{where}: is required"
    if error.validator == "pattern":
        return f"{where}: {error.instance!r} is not in the form CACAO requires"
    if error.validator == "additionalProperties":
        return f"{where}: {error.message}"
    return f"{where}: {_short(error.message)}"


def _short(message: str) -> str:
    return message if len(message) <= 200 else message[:197] + "..."


def _path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def _references(document: dict[str, Any]) -> Iterator[str]:
    """What the schemas leave open: step ids are typed (``action--...`` is an action), the workflow
    starts at one of its steps, and every step and agent a step names is defined."""
    workflow: dict[str, Any] = document.get("workflow", {})
    agents = {**document.get("agent_definitions", {}), **document.get("target_definitions", {})}
    start = document.get("workflow_start")
    if start not in workflow:
        yield f"workflow_start: names no step of the workflow ({start})"
    elif workflow[start].get("type") != "start":
        yield f"workflow_start: {start} is not a start step"
    for step_id, step in workflow.items():
        kind = step.get("type") if isinstance(step, dict) else None
        if not isinstance(step, dict) or not step_id.startswith(f"{kind}--"):
            yield f"workflow.{step_id}: a step's id begins with its type ({kind}--...)"
            continue
        for prop in _NEXT:
            if prop in step and step[prop] not in workflow:
                yield f"workflow.{step_id}.{prop}: names no step of the workflow ({step[prop]})"
        for i, nxt in enumerate(step.get("next_steps", ())):
            if nxt not in workflow:
                yield f"workflow.{step_id}.next_steps[{i}]: names no step of the workflow ({nxt})"
        if "agent" in step and step["agent"] not in agents:
            yield f"workflow.{step_id}.agent: names no agent of agent_definitions ({step['agent']})"
