"""Where Gotong's reads differ from the sharing rules (docs/sharing.md), each pinned by a strict xfail.

A test here states the rule and fails today. When the code is fixed it passes, strict xfail reports
that as a failure, and the mark goes (with, for the first one, the matching flag in
``tests/sharing/oracle.py``, which lets the property tests predict the deviation meanwhile).
"""

from __future__ import annotations

import io

import orjson
import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from gotong.db.engine import read_connection, write_transaction
from gotong.intel.bulk import export_bundle
from gotong.intel.collections import add_collection
from gotong.intel.query import ObjectFilter, read_page, read_page_all_collections
from gotong.intel.store import add_objects
from gotong.orgs.service import Principal, get_org
from gotong.sharing.service import add_group, load_reader
from tests.conftest import ENGINE_KIND
from tests.helpers import indicator


def _principal(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def _visible_ids(engine: Engine, org: str, collection_id: str) -> set[str]:
    with read_connection(engine) as conn:
        reader = load_reader(conn, _principal(engine, org))
        page = read_page(
            conn,
            reader=reader,
            collection_id=collection_id,
            filters=ObjectFilter(versions=("all",)),
            limit=100,
        )
    return {item.stix_id for item in page.items}


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="store.py takes the audience from granular marking_refs too (marking_refs() feeds cited_groups), "
    "so a group named in a granular marking of one property becomes the audience of the whole object",
)
def test_a_group_named_only_in_a_granular_marking_is_not_the_audience(engine: Engine) -> None:
    """The audience is the group named in object_marking_refs, else the collection's default group.

    A granular marking marks one property; the TLP level it carries counts (the strictest wins),
    but naming a group there must not redirect the whole object to that group's members.
    """
    with write_transaction(engine) as conn:
        add_group(conn, name="regional-default", members=["MyCERT"], owner="ASEAN-CERT")
        mekong = add_group(conn, name="mekong", members=["LaoCERT"], owner="ASEAN-CERT")
        coll = add_collection(conn, title="defaults to regional", default_group="regional-default")
    obj = indicator(
        tlp="green", granular_markings=[{"marking_ref": mekong.marking_id, "selectors": ["name"]}]
    )
    report = add_objects(
        engine, principal=_principal(engine, "ThaiCERT"), collection_id=coll.id, objects=[obj]
    )
    assert not report.failures

    assert obj["id"] in _visible_ids(engine, "MyCERT", coll.id), (
        "the collection's default group is the audience"
    )
    assert obj["id"] not in _visible_ids(engine, "LaoCERT", coll.id), "LaoCERT is outside the audience"


@pytest.mark.xfail(
    ENGINE_KIND == "sqlite",
    strict=True,
    raises=OperationalError,
    reason="visibility_clause ORs one term per readable collection (twice with match[version] last); past "
    "~450 collections SQLite refuses the query: 'Expression tree is too large (maximum depth 1000)'",
)
def test_exports_work_with_many_readable_collections(engine: Engine) -> None:
    """Reads across collections (exports, read_page_all_collections) must not depend on how many exist."""
    with write_transaction(engine) as conn:
        ids = [add_collection(conn, title=f"feed {n}").id for n in range(500)]
    obj = indicator(tlp="green")
    add_objects(engine, principal=_principal(engine, "ThaiCERT"), collection_id=ids[-1], objects=[obj])

    with read_connection(engine) as conn:
        reader = load_reader(conn, _principal(engine, "LaoCERT"))
        page = read_page_all_collections(conn, reader=reader, filters=ObjectFilter(), limit=1000)
    assert obj["id"] in {item.stix_id for item in page.items}
    out = io.StringIO()
    export_bundle(engine, out=out, org="LaoCERT")
    assert obj["id"] in {o["id"] for o in orjson.loads(out.getvalue())["objects"]}
