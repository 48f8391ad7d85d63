"""The REST contract as the OpenAPI document states it, checked against the API test base.

Every ``/api/v1`` operation must declare a schema for its success response and list the 4xx
statuses it can return; and every one must have a resource in ``tests/api/test_resources.py``, so
that its 401/403/role/400/visibility tests exist.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.api import test_resources
from tests.api.base import ResourceTests
from tests.api.conftest import ApiNode

UNAUTHENTICATED_BY_DESIGN = {("POST", "/api/v1/checks/{token}/ack")}
"""Operations whose credential is in the URL itself (a one-time token): they answer no 401.

Their resource replaces the inherited 401 tests with what holds instead (see
``TestCheckAcknowledgement``: it works without a token and a second use is refused)."""

RESOURCES: list[type[ResourceTests]] = [
    cls
    for cls in vars(test_resources).values()
    if isinstance(cls, type) and issubclass(cls, ResourceTests) and cls is not ResourceTests
]


def _operations(node: ApiNode) -> list[tuple[str, str, dict[str, Any]]]:
    document = httpx.get(f"{node.server.url}/api/openapi.json", timeout=30).json()
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
    ]


def _matches(template: str, url: str) -> bool:
    pattern = re.sub(r"\{[^}]+\}", "[^/]+", template)
    return re.fullmatch(pattern, url.split("?")[0]) is not None


def test_the_document_lists_every_api_v1_operation(api_node: ApiNode) -> None:
    """A positive control for the walks below: the document is there and has the operations."""
    found = {(m, p) for m, p, _ in _operations(api_node)}
    assert ("GET", "/api/v1/search") in found and ("POST", "/api/v1/groups") in found
    assert len(found) == len(RESOURCES), sorted(found)


def test_every_operation_declares_its_success_schema_and_its_4xx(api_node: ApiNode) -> None:
    for method, path, operation in _operations(api_node):
        responses = operation["responses"]
        success = [s for s in responses if s.startswith("2")]
        assert len(success) == 1, f"{method} {path}: success statuses {success}"
        content = responses[success[0]].get("content", {})
        assert content and all("schema" in c for c in content.values()), f"{method} {path}: no schema"
        schemas = [c["schema"] for c in content.values()]
        assert all(s != {} for s in schemas), f"{method} {path}: an empty schema says nothing"
        problems = sorted(s for s in responses if s.startswith("4"))
        if (method, path) in UNAUTHENTICATED_BY_DESIGN:
            assert "400" in problems and "401" not in problems, f"{method} {path}: 4xx listed {problems}"
        else:
            assert {"400", "401"} <= set(problems), f"{method} {path}: 4xx listed {problems}"
        assert "422" not in responses, f"{method} {path}: validation errors are answered with 400"
        for status in problems:
            ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/ErrorPublic"), f"{method} {path} {status}: {ref}"


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.__name__)
def test_every_resource_is_an_operation_of_the_document(
    api_node: ApiNode, resource: type[ResourceTests]
) -> None:
    operations = _operations(api_node)
    # A literal path (/contacts/bundle) is its own operation, though a template (/contacts/{id})
    # matches it too.
    exact = [op for m, p, op in operations if m == resource.method and p == resource.url]
    matching = exact or [op for m, p, op in operations if m == resource.method and _matches(p, resource.url)]
    assert len(matching) == 1, f"{resource.method} {resource.url} matches {len(matching)} operations"
    listed = set(matching[0]["responses"])
    if resource.writes or resource.role is not None:
        assert "403" in listed, f"{resource.__name__}: refuses with 403 but does not say so"
    if resource.hidden_url is not None:
        assert str(resource.hidden_status) in listed, (
            f"{resource.__name__}: {resource.hidden_status} not listed"
        )


def test_every_operation_has_a_resource(api_node: ApiNode) -> None:
    for method, path, _ in _operations(api_node):
        declared = [r for r in RESOURCES if r.method == method and _matches(path, r.url)]
        assert declared, f"{method} {path} has no resource in tests/api/test_resources.py"
