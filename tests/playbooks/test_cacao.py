"""CACAO 2.0 validation against OASIS's JSON schemas: the examples pass, a malformed playbook is
refused with the failing property named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gotong.playbooks import library, library_files, schemas_at
from gotong.playbooks.workflow import extension_problems
from tests.playbooks.conftest import EXAMPLES, copy_of, example, playbook_examples

ACTION = "action--6398eb05-3eb8-43f5-87d3-f24e07492a41"


@pytest.mark.parametrize("path", playbook_examples(), ids=lambda p: p.name)
def test_the_oasis_examples_validate(schemas: str, path: Path) -> None:
    assert schemas_at(schemas).problems(json.loads(path.read_text("utf-8"))) == []


def test_the_examples_folder_holds_both_playbooks(schemas: str) -> None:
    # positive control for the parametrisation above: it is not vacuous
    assert [p.name for p in playbook_examples()] == ["basic-example-1.json", "spec-3.1-example.json"]
    assert (EXAMPLES / "identity-object.json").is_file()


def test_a_stix_identity_is_no_playbook(schemas: str) -> None:
    problems = schemas_at(schemas).problems(example("identity-object.json"))
    assert "type: 'identity' is not one of ['playbook']" in problems
    assert "workflow: is required" in problems


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d.pop("name"), "name: is required"),
        (
            lambda d: d.update(spec_version="cacao-1.0"),
            "spec_version: 'cacao-1.0' is not one of ['cacao-2.0']",
        ),
        (lambda d: d.update(created="yesterday"), "created: 'yesterday' is not in the form CACAO requires"),
        (lambda d: d["workflow"][ACTION].pop("commands"), f"workflow.{ACTION}.commands: is required"),
        (
            lambda d: d["workflow"][ACTION].update(commands=[]),
            f"workflow.{ACTION}.commands: [] should be non-empty",
        ),
    ],
    ids=["name", "spec_version", "created", "commands", "empty-commands"],
)
def test_a_malformed_playbook_names_the_failing_property(schemas: str, change: object, named: str) -> None:
    document = copy_of(example())
    change(document)  # type: ignore[operator]
    assert named in schemas_at(schemas).problems(document)


def test_references_the_schemas_cannot_check_are_checked(schemas: str) -> None:
    document = copy_of(example())
    document["workflow"][ACTION]["on_completion"] = "end--00000000-0000-4000-8000-000000000000"
    document["workflow"][ACTION]["agent"] = "individual--00000000-0000-4000-8000-000000000000"
    assert schemas_at(schemas).problems(document) == [
        f"workflow.{ACTION}.agent: names no agent of agent_definitions "
        "(individual--00000000-0000-4000-8000-000000000000)",
        f"workflow.{ACTION}.on_completion: names no step of the workflow "
        "(end--00000000-0000-4000-8000-000000000000)",
    ]


def test_a_folder_without_the_schemas_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"playbook\.json"):
        schemas_at(str(tmp_path))


def test_the_regional_library_is_valid_cacao(schemas: str) -> None:
    names = {d["name"] for d in library()}
    assert names == {
        "Ransomware on critical information infrastructure",
        "DDoS on government services",
        "Web-defacement wave",
        "State-linked intrusion",
        "Phishing campaign",
        "Data breach",
    }
    assert len(library_files()) == 6
    for document in library():
        assert schemas_at(schemas).problems(document) == [], document["name"]
        assert extension_problems(document) == [], document["name"]


def test_each_library_playbook_names_roles_and_clocks(schemas: str) -> None:
    from gotong.playbooks.workflow import clocks_of, role_of

    for document in library():
        roles = {role_of(document, s) for s in document["workflow"].values() if s["type"] == "action"}
        assert len(roles) >= 2, document["name"]
        assert clocks_of(document), document["name"]


def test_a_wrong_case_role_is_named() -> None:
    document = copy_of(library()[0])
    agent_id, agent = next(iter(document["agent_definitions"].items()))
    ext = next(iter(agent["agent_target_extensions"]))
    agent["agent_target_extensions"][ext]["case_role"] = "boss"
    problems = extension_problems(document)
    assert len(problems) == 1 and problems[0].startswith(f"agent_definitions.{agent_id}.")
    assert "'boss' is not one of lead" in problems[0]
