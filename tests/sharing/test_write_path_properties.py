"""The write path answers from what the submitter may see (issue 13, item 3), on random worlds.

An organisation that posts a version already stored in the world is told "already present" exactly
when it submitted that version itself or the rules let it see it; otherwise the post is answered as
a first submission would be (a success with no message), it becomes the organisation's own, and the
organisation reads it back. So the answer never tells it that a version hidden from it exists. What
another reader sees of the world does not change, except that the new submission is one more
version to whoever may see it.

Worlds are those of ``tests/sharing/worlds.py``; the count follows ``GOTONG_SHARING_EXAMPLES`` as
the other sharing properties do (the default run is quick).
"""

from __future__ import annotations

import os
from collections import Counter

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from gotong.core.auth import Principal
from gotong.db.engine import read_connection
from gotong.intel.query import ObjectFilter, read_page
from gotong.intel.store import add_objects
from gotong.sharing.service import load_reader
from tests.sharing.worlds import StoredRow, WorldDraw, world_in, worlds

EXAMPLES = max(5, int(os.environ.get("GOTONG_SHARING_EXAMPLES", "25")) // 2)


def _bodies(engine: Engine, principal: Principal, row: StoredRow) -> list[bytes]:
    with read_connection(engine) as conn:
        page = read_page(
            conn,
            reader=load_reader(conn, principal),
            collection_id=row.collection_id,
            filters=ObjectFilter(ids=(row.stix_id,), versions=("all",)),
            limit=100,
        )
    return [orjson.dumps(orjson.loads(i.body), option=orjson.OPT_SORT_KEYS) for i in page.items]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(draw=worlds(max_objects=4), data=st.data())
def test_a_repost_is_answered_from_what_the_poster_may_see(
    engine: Engine, draw: WorldDraw, data: st.DataObject
) -> None:
    with world_in(engine, draw) as world:
        if not world.rows:
            return
        reposted: set[tuple[str, int]] = set()  # (poster, seq): its own copy is then stored
        for _ in range(3):
            row = data.draw(st.sampled_from(world.rows), label="stored version")
            poster = data.draw(st.sampled_from(world.orgs), label="poster")
            principal = world.principal(poster)
            again = orjson.dumps(orjson.loads(row.body), option=orjson.OPT_SORT_KEYS)
            # What the poster may see of this object, read through the read path (whose agreement
            # with the rules the visibility properties check), and what it submitted itself.
            sees = (
                again in _bodies(engine, principal, row)
                or world.org_ids[poster] == row.submitter_org_id
                or (poster, row.seq) in reposted
            )
            if not reposted:
                assert sees == (
                    world.rules.sees(poster, row.posted) or world.org_ids[poster] == row.submitter_org_id
                )
            reposted.add((poster, row.seq))
            body = orjson.loads(row.body)
            others = {
                reader: _bodies(engine, world.principal(reader), row)
                for reader in world.orgs
                if reader != poster
            }

            report = add_objects(engine, principal=principal, collection_id=row.collection_id, objects=[body])

            assert not report.failures, report.failures
            (outcome,) = report.successes
            mine = _bodies(engine, principal, row)
            if sees:
                assert outcome.message == "already present", (poster, row.posted)
            else:
                assert outcome.message != "already present", ("answered as if it existed", poster, row.posted)
                if world.rules.may_read(poster, row.collection_id):
                    assert again in mine, "the poster reads back its own submission"
                else:
                    assert mine == [], "it may write to the collection but not read it"
            for reader, before in others.items():
                after = _bodies(engine, world.principal(reader), row)
                if sees or row.version == row.date_added:
                    # Nothing stored, or an SCO: a new date_added version only its submitter's rules show.
                    assert set(before) <= set(after), (reader, "lost a version it saw")
                elif again in before:
                    assert Counter(after) == Counter(before), (reader, "saw the first: reads it once")
                else:
                    assert Counter(after) in (Counter(before), Counter([*before, again])), (
                        reader,
                        "saw neither: may see the new submission, as its rules say, and nothing else",
                    )
