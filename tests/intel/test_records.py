"""The two verbs every domain's storage stands on: one change stored all or none, and the versions a
reader may see read back page by page."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.errors import Invalid
from gotong.intel import records
from gotong.intel.records import latest, store_change, visible_versions
from gotong.orgs.service import get_org
from gotong.sharing.service import load_reader
from tests.helpers import REGIONAL_ID, indicator


def _actor(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return Principal(org_id=get_org(conn, short_name=org).id, org_short=org)


def test_a_change_with_one_invalid_object_stores_none_of_it(engine: Engine) -> None:
    thai = _actor(engine, "ThaiCERT")
    good, bad = indicator(tlp="green"), indicator(tlp="green")
    del bad["pattern"]
    with pytest.raises(Invalid, match="pattern"):
        store_change(engine, thai, REGIONAL_ID, [good, bad])
    with read_connection(engine) as conn:
        reader = load_reader(conn, thai)
        assert good["id"] not in {o["id"] for o in latest(conn, reader, REGIONAL_ID, types=("indicator",))}
    store_change(engine, thai, REGIONAL_ID, [good])  # positive control: alone it is stored
    with read_connection(engine) as conn:
        reader = load_reader(conn, thai)
        assert good["id"] in {o["id"] for o in latest(conn, reader, REGIONAL_ID, types=("indicator",))}


def test_reads_page_through_every_version_and_only_what_the_reader_may_see(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records, "_PAGE", 2)  # several pages from a few objects
    thai, lao = _actor(engine, "ThaiCERT"), _actor(engine, "LaoCERT")
    shared = [indicator(tlp="green") for _ in range(5)]
    red = indicator(tlp="red")
    store_change(engine, thai, REGIONAL_ID, [*shared, red])
    newer = {**shared[0], "modified": "2099-01-01T00:00:00.000Z", "name": "second version"}
    store_change(engine, thai, REGIONAL_ID, [newer])
    wanted = {o["id"] for o in [*shared, red]}
    with read_connection(engine) as conn:
        own, other = load_reader(conn, thai), load_reader(conn, lao)
        mine = [o for o in latest(conn, own, REGIONAL_ID, types=("indicator",)) if o["id"] in wanted]
        every = [
            o
            for _i, o in visible_versions(conn, own, REGIONAL_ID, types=("indicator",), every_version=True)
            if o["id"] in wanted
        ]
        theirs = {o["id"] for o in latest(conn, other, REGIONAL_ID, types=("indicator",))}
        nowhere = list(visible_versions(conn, own, "no-such-collection", types=("indicator",)))
    assert sorted(o["id"] for o in mine) == sorted(wanted)
    assert next(o for o in mine if o["id"] == newer["id"])["name"] == "second version"
    assert len(every) == len(wanted) + 1
    assert theirs & wanted == {o["id"] for o in shared}  # the RED one is ThaiCERT's alone
    assert nowhere == []
