"""The read path: TAXII filters parsed, paging tokens, per-reader first/last versions, deletion rights."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Forbidden, Invalid, NotFound
from gotong.intel.query import ObjectFilter, decode_cursor, delete_versions, encode_cursor, read_page
from gotong.intel.store import add_objects
from gotong.orgs.service import get_org
from gotong.sharing.service import load_reader
from gotong.stix.timestamps import micros_of
from tests.helpers import REGIONAL_ID, indicator


def _principal(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def _post(engine: Engine, org: str, objects: list[dict[str, Any]]) -> None:
    report = add_objects(
        engine, principal=_principal(engine, org), collection_id=REGIONAL_ID, objects=objects
    )
    assert len(report.successes) == len(objects), report.taxii()


def _read(engine: Engine, org: str, filters: ObjectFilter, limit: int = 100) -> list[tuple[str, int]]:
    with read_connection(engine) as conn:
        page = read_page(
            conn,
            reader=load_reader(conn, _principal(engine, org)),
            collection_id=REGIONAL_ID,
            filters=filters,
            limit=limit,
        )
    return [(i.stix_id, i.version) for i in page.items]


def test_filters_parse_as_taxii_writes_them() -> None:
    parsed = ObjectFilter.parse(
        added_after="2026-01-01T00:00:00Z",
        ids="indicator--a, indicator--b",
        types="indicator",
        versions="first,2026-02-01T00:00:00.000Z",
        spec_versions="2.1",
    )
    assert parsed.added_after == micros_of("2026-01-01T00:00:00Z")
    assert parsed.ids == ("indicator--a", "indicator--b") and parsed.types == ("indicator",)
    assert parsed.versions == ("first", micros_of("2026-02-01T00:00:00.000Z"))
    assert ObjectFilter.parse().versions == ("last",)
    assert ObjectFilter.parse(default_version="all").versions == ("all",)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"added_after": "yesterday"}, "added_after"),
        ({"versions": "newest"}, "match[version]"),
        ({"spec_versions": "3.0"}, "match[spec_version]"),
    ],
)
def test_bad_filter_values_are_invalid_and_named(kwargs: dict[str, str], named: str) -> None:
    with pytest.raises(Invalid, match=named.replace("[", r"\[")):
        ObjectFilter.parse(**kwargs)


def test_paging_tokens_round_trip_and_foreign_ones_are_refused() -> None:
    assert decode_cursor(encode_cursor(1_767_225_600_000_123)) == 1_767_225_600_000_123
    for foreign in ("garbage", encode_cursor(5).upper(), "ZzE6YWJj"):  # the last: g1:abc
        with pytest.raises(Invalid, match="not a paging token"):
            decode_cursor(foreign)


def test_first_and_last_are_per_reader(engine: Engine) -> None:
    """The latest version is the latest *this reader* may see: a newer RED version hides from others."""
    v1 = indicator(tlp="green", modified="2026-01-01T00:00:00.000Z")
    v2 = indicator(tlp="red", stix_id=v1["id"], modified="2026-02-01T00:00:00.000Z")
    _post(engine, "ThaiCERT", [v1, v2])
    one = ObjectFilter(ids=(v1["id"],))
    assert _read(engine, "ThaiCERT", one) == [(v1["id"], micros_of(v2["modified"]))]
    assert _read(engine, "LaoCERT", one) == [(v1["id"], micros_of(v1["modified"]))]
    assert _read(engine, "ThaiCERT", ObjectFilter(ids=(v1["id"],), versions=("first",))) == [
        (v1["id"], micros_of(v1["modified"]))
    ]
    assert len(_read(engine, "ThaiCERT", ObjectFilter(ids=(v1["id"],), versions=("all",)))) == 2
    assert _read(engine, "LaoCERT", ObjectFilter(ids=(v1["id"],), versions=("all",))) == [
        (v1["id"], micros_of(v1["modified"]))
    ]


def test_types_spec_versions_and_limits(engine: Engine) -> None:
    posted = [indicator() for _ in range(3)]
    _post(engine, "ThaiCERT", posted)
    ids = tuple(o["id"] for o in posted)
    assert len(_read(engine, "LaoCERT", ObjectFilter(ids=ids, types=("indicator",)))) == 3
    assert _read(engine, "LaoCERT", ObjectFilter(ids=ids, types=("malware",))) == []
    assert _read(engine, "LaoCERT", ObjectFilter(ids=ids, spec_versions=("2.0",))) == []
    assert len(_read(engine, "LaoCERT", ObjectFilter(ids=ids, spec_versions=("2.0", "2.1")))) == 3
    with read_connection(engine) as conn:
        reader = load_reader(conn, _principal(engine, "LaoCERT"))
        first = read_page(
            conn, reader=reader, collection_id=REGIONAL_ID, filters=ObjectFilter(ids=ids), limit=2
        )
        assert len(first.items) == 2 and first.more and first.next
        rest = read_page(
            conn,
            reader=reader,
            collection_id=REGIONAL_ID,
            filters=ObjectFilter(ids=ids),
            limit=2,
            cursor=first.next,
        )
    assert not rest.more and rest.next is None
    assert [i.stix_id for i in first.items + rest.items] == list(ids)


def test_only_the_submitter_deletes_and_hidden_versions_are_not_found(engine: Engine) -> None:
    shared, red = indicator(tlp="green"), indicator(tlp="red")
    _post(engine, "ThaiCERT", [shared, red])
    everything = ObjectFilter(versions=("all",))
    with write_transaction(engine) as conn:
        lao = load_reader(conn, _principal(engine, "LaoCERT"))
        with pytest.raises(Forbidden, match="only the organisation that submitted"):
            delete_versions(
                conn, reader=lao, collection_id=REGIONAL_ID, stix_id=shared["id"], filters=everything
            )
        with pytest.raises(NotFound, match="visible to you"):
            delete_versions(
                conn, reader=lao, collection_id=REGIONAL_ID, stix_id=red["id"], filters=everything
            )
    with write_transaction(engine) as conn:
        thai = load_reader(conn, _principal(engine, "ThaiCERT"))
        assert (
            delete_versions(
                conn, reader=thai, collection_id=REGIONAL_ID, stix_id=red["id"], filters=everything
            )
            == 1
        )
    assert _read(engine, "ThaiCERT", ObjectFilter(ids=(red["id"],))) == []
    assert _read(engine, "LaoCERT", ObjectFilter(ids=(shared["id"],))) != [], "the refused deletion kept it"
