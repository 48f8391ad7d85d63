"""The fixed list of repairs ``--repair`` makes (issue 12, item 7): each repaired object validates,
nothing else is touched, and what is ambiguous is left to be refused."""

from __future__ import annotations

from typing import Any

import pytest

from gotong.stix.repair import KINDS, hint, repair_object, repairs_line
from gotong.stix.validate import validate_object

ID = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"


def _indicator(**props: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": ID,
        "created": "2023-01-01T00:00:00.000Z",
        "modified": "2023-01-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '198.51.100.23']",
        "pattern_type": "stix",
        "valid_from": "2023-01-01T00:00:00Z",
        **props,
    }


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2023-01-01T00:00:00Z", "2023-01-01T00:00:00.000Z"),
        ("2023-01-01T12:34:56.1Z", "2023-01-01T12:34:56.100Z"),
        ("2023-01-01T12:34:56.12Z", "2023-01-01T12:34:56.120Z"),
    ],
)
def test_coarse_created_and_modified_get_milliseconds(sent: str, stored: str) -> None:
    obj = _indicator(created=sent, modified=sent)
    assert validate_object(obj), "refused as sent"
    done = repair_object(obj)
    assert done.kinds == ("timestamp-precision",)
    assert (done.obj["created"], done.obj["modified"]) == (stored, stored)
    assert validate_object(done.obj) == []
    assert obj["created"] == sent, "the object given is not changed"
    assert done.obj["valid_from"] == "2023-01-01T00:00:00Z", "only created/modified need milliseconds"


def test_uppercase_custom_property_names_are_lowercased() -> None:
    obj = _indicator(x_MISP_category="Network activity", X_misp_comment="seen")
    assert validate_object(obj)
    done = repair_object(obj)
    assert done.kinds == ("custom-property-case",)
    assert done.obj["x_misp_category"] == "Network activity" and done.obj["x_misp_comment"] == "seen"
    assert "x_MISP_category" not in done.obj and validate_object(done.obj) == []


@pytest.mark.parametrize(
    "obj",
    [
        _indicator(),  # valid: nothing to do
        _indicator(created="2023-01-01T00:00:00+07:00"),  # another zone: which instant is a guess
        _indicator(Description="x"),  # not a custom name: would become a defined property
        _indicator(x_Misp="a", x_mISP="b"),  # two names that fold to one
        _indicator(x_misp_note="a", x_MISP_note="b"),  # the lowercase name is taken
        _indicator(**{"x_MISP-category": "x"}),  # lowercase still invalid
    ],
    ids=["valid", "zone", "defined-name", "two-fold-to-one", "taken", "still-invalid"],
)
def test_nothing_else_is_repaired(obj: dict[str, Any]) -> None:
    done = repair_object(obj)
    assert done.kinds == () and done.obj == obj


def test_the_summary_words_and_the_hint() -> None:
    assert repairs_line(233, {"timestamp-precision": 233, "custom-property-case": 4}) == (
        "repaired 233 objects: 233 timestamp precision, 4 custom property case"
    )
    both = _indicator(created="2023-01-01T00:00:00Z", x_MISP_category="x")
    assert hint(both, "gotong import --repair") == (
        "(gotong import --repair fixes its timestamp precision and custom property case)"
    )
    assert hint(_indicator(), "gotong import --repair") is None
    assert set(KINDS) == {"timestamp-precision", "custom-property-case"}, "the documented list"
