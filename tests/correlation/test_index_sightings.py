"""Sightings in the regional alerts: a false-positive report never raises or widens an alert, and a
sighting of one value of an OR pattern counts for that value only (regressions of issue 12, item 3)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.correlation.alerts import alerts_for
from gotong.correlation.index import sighted_value
from gotong.correlation.observables import Observable
from gotong.correlation.sightings import report_sighting
from gotong.db.engine import read_connection
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.sharing.service import load_reader
from tests.helpers import REGIONAL_ID, indicator

EITHER = "[ipv4-addr:value = '198.51.100.23' OR domain-name:value = 'update-checker.example']"


def _principal(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def _post(engine: Engine, org: str, objects: list[dict[str, Any]]) -> None:
    report = add_objects(
        engine, principal=_principal(engine, org), collection_id=REGIONAL_ID, objects=objects
    )
    assert not report.failures, report.failures


def _alerts(engine: Engine, org: str = "BruCERT") -> dict[str, list[str]]:
    with read_connection(engine) as conn:
        reader = load_reader(conn, _principal(engine, org))
        return {a.value: a.countries for a in alerts_for(conn, reader=reader)}


def _sight(engine: Engine, org: str, value: str, *, false_positive: bool = False) -> None:
    report = report_sighting(
        engine,
        principal=_principal(engine, org),
        value=value,
        collection_id=REGIONAL_ID,
        false_positive=false_positive,
    )
    assert report.successes and not report.failures


def _raw_sighting(target: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "sighting",
        "spec_version": "2.1",
        "id": f"sighting--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "sighting_of_ref": target["id"],
        "count": 1,
        "object_marking_refs": target["object_marking_refs"],
    }


def test_a_false_positive_sighting_never_raises_an_alert(engine: Engine) -> None:
    _post(engine, "SingCERT", [indicator(value="fp-only.example"), indicator(value="seen.example")])
    _sight(engine, "VNCERT", "fp-only.example", false_positive=True)
    _sight(engine, "VNCERT", "seen.example")  # the positive control: a sighting that is no false positive
    assert _alerts(engine) == {"seen.example": ["SG", "VN"]}


def test_a_false_positive_sighting_never_widens_an_alert(engine: Engine) -> None:
    _post(engine, "ThaiCERT", [indicator(value="wide.example")])
    _post(engine, "MyCERT", [indicator(value="wide.example")])
    assert _alerts(engine) == {"wide.example": ["MY", "TH"]}
    _sight(engine, "VNCERT", "wide.example", false_positive=True)
    assert _alerts(engine) == {"wide.example": ["MY", "TH"]}
    _sight(engine, "SingCERT", "wide.example")
    assert _alerts(engine) == {"wide.example": ["MY", "SG", "TH"]}


def test_a_sighting_of_one_value_of_an_or_pattern_counts_for_that_value_only(engine: Engine) -> None:
    _post(engine, "ThaiCERT", [indicator(pattern=EITHER)])
    _sight(engine, "VNCERT", "198.51.100.23")
    assert _alerts(engine) == {"198.51.100.23": ["TH", "VN"]}, "not update-checker.example"
    _sight(engine, "MyCERT", "update-checker.example")
    assert _alerts(engine) == {"198.51.100.23": ["TH", "VN"], "update-checker.example": ["MY", "TH"]}


def test_a_sighting_that_names_no_value_counts_only_for_an_indicator_of_one_value(engine: Engine) -> None:
    either = indicator(pattern=EITHER)
    single = indicator(value="single.example")
    _post(engine, "ThaiCERT", [either, single])
    _post(engine, "VNCERT", [_raw_sighting(either), _raw_sighting(single)])
    assert _alerts(engine) == {"single.example": ["TH", "VN"]}


def test_the_sighted_value_is_read_normalised_and_only_when_well_formed() -> None:
    named = {"x_gotong_sighted": {"kind": "domain-name", "value": "Update-Checker.Example."}}
    assert sighted_value(named) == Observable("domain-name", "update-checker.example")
    assert sighted_value({"x_gotong_sighted": {"kind": "ipv4-addr", "value": "no"}}) is None
    assert sighted_value({"x_gotong_sighted": "198.51.100.23"}) is None
    assert sighted_value({}) is None
