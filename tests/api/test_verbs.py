"""The public verbs of the domains, as the adapters (REST, TAXII, the web UI, the CLI) call them.

Pins each domain's ``__all__`` and the shape of its actor verbs: a connection or engine first, then
keyword-only arguments with the principal as ``actor``.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

PUBLIC = {
    "gotong.intel": {
        "ReceiptBook",
        "collection_for",
        "collections_for",
        "delete_object",
        "read_manifest",
        "read_object",
        "read_objects",
        "read_versions",
        "writable_collections_for",
    },
    "gotong.federation": {"THROUGH_HUB", "Provenance", "object_provenance"},
    "gotong.sharing": {
        "Marked",
        "Reader",
        "change_members",
        "create_group",
        "disclosure_clause",
        "group_for",
        "groups_for",
        "may_know_members",
        "may_learn_submitter",
        "may_see",
        "receipts_for",
        "visibility_clause",
    },
    "gotong.correlation": {
        "Observable",
        "acknowledge_alert",
        "acknowledgement_times",
        "alerts_of",
        "lookup_value",
        "normalise",
        "observables_of",
        "register_webhook",
        "search_objects",
        "sightings_of",
    },
    "gotong.feeds": {
        "add_feed_for",
        "export_for",
        "feed_for",
        "feed_health_for",
        "feeds_for",
        "run_feed_for",
    },
    "gotong.orgs": {"Organisation", "organisations_for", "whoami"},
}
NOT_ACTOR_VERBS = {
    "normalise",
    "observables_of",
    "may_see",
    "may_learn_submitter",
    "may_know_members",
    "disclosure_clause",
    "visibility_clause",
}
"""Pure functions of their arguments: nobody is asking."""
ACTOR_VERBS = [
    (package, name)
    for package, names in PUBLIC.items()
    for name in sorted(names)
    if name[0].islower() and name not in NOT_ACTOR_VERBS
]


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_each_domain_exports_its_verbs(package: str) -> None:
    module = importlib.import_module(package)
    assert set(module.__all__) == PUBLIC[package]
    for name in module.__all__:
        assert getattr(module, name) is not None
    with pytest.raises(AttributeError):
        module.no_such_verb  # noqa: B018


@pytest.mark.parametrize(("package", "name"), ACTOR_VERBS)
def test_actor_verbs_take_the_principal_by_keyword(package: str, name: str) -> None:
    verb = getattr(importlib.import_module(package), name)
    parameters = list(inspect.signature(verb).parameters.values())
    assert parameters[0].name in {"conn", "engine"}, f"{name}: first takes its connection"
    assert parameters[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    keyword = {p.name for p in parameters[1:] if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert "actor" in keyword and len(keyword) == len(parameters) - 1, f"{name}: keyword-only, with actor"
    assert verb.__doc__, f"{name} says what it does"
