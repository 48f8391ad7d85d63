"""validate_object never raises: it always answers with a list of one-line strings."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gotong.stix.validate import validate_object

from .test_validate_oracle import BASES

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "2024-03-01T10:00:00.000Z",
            "2024-02-30T00:00:00Z",
            "indicator--x",
            "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
            "[a:b = 'c']",
            "stix",
        ]
    )
)
JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
_NAMES = sorted(
    {key for base in BASES.values() for key in base}
    | {
        "extensions",
        "granular_markings",
        "objects",
        "definition",
        "definition_type",
        "selectors",
        "hashes",
        "kill_chain_phases",
        "external_references",
        "x_acme",
        "acme_ref",
        "acme_refs",
        "contents",
        "body_multipart",
        "values",
        "x509_v3_extensions",
        "is_family",
        "result",
        "number_observed",
    }
)


def _ok(result: object) -> None:
    assert isinstance(result, list)
    assert all(isinstance(m, str) and m and "\n" not in m for m in result)
    assert not any(m.startswith("object could not be checked") for m in result), result  # the safety net held


@SETTINGS
@given(JSON)
def test_arbitrary_json(value: Any) -> None:
    _ok(validate_object(value))


@SETTINGS
@given(st.sampled_from(sorted(BASES)), st.dictionaries(st.sampled_from(_NAMES), JSON, max_size=6))
def test_real_objects_with_random_properties(base: str, changes: dict[str, Any]) -> None:
    obj = copy.deepcopy(BASES[base])
    obj.update(changes)
    _ok(validate_object(obj))


@SETTINGS
@given(st.sampled_from(sorted(BASES)), st.data())
def test_real_objects_with_one_property_swapped_for_junk(base: str, data: st.DataObject) -> None:
    obj = copy.deepcopy(BASES[base])
    key = data.draw(st.sampled_from(sorted(obj)))
    obj[key] = data.draw(JSON)
    _ok(validate_object(obj))


@SETTINGS
@given(
    st.sampled_from(sorted(BASES)),
    st.dictionaries(st.integers() | st.none() | st.booleans(), JSON, max_size=3),
)
def test_non_string_keys(base: str, junk: dict[Any, Any]) -> None:
    obj: dict[Any, Any] = copy.deepcopy(BASES[base])
    obj.update(junk)
    _ok(validate_object(obj))


def test_huge_nesting() -> None:
    deep: Any = "leaf"
    for _ in range(100_000):
        deep = [deep]
    wide = {
        "type": "x-acme-thing",
        "id": "x-acme-thing--3a0e8f1c-1b7a-4b9e-8d1e-2c7f1f8a9b10",
        "x_deep": deep,
    }
    _ok(validate_object(wide))
    for key in (
        "labels",
        "granular_markings",
        "extensions",
        "object_marking_refs",
        "external_references",
        "pattern",
    ):
        obj = copy.deepcopy(BASES["indicator"])
        obj[key] = deep
        _ok(validate_object(obj))
    nested_dict: Any = {}
    for _ in range(50_000):
        nested_dict = {"a": nested_dict}
    obj = copy.deepcopy(BASES["indicator"])
    obj["x_nested"] = nested_dict
    obj["granular_markings"] = [
        {"selectors": ["x_nested" + ".a" * 49_999], "marking_ref": BASES["statement"]["id"]}
    ]
    _ok(validate_object(obj))


def test_big_values_do_not_blow_up_messages() -> None:
    obj = copy.deepcopy(BASES["indicator"])
    obj["created"] = "9" * 1_000_000
    (message,) = validate_object(obj)
    assert len(message) < 200
    assert json.dumps(message)
