"""The roster and the taskforce role: one seat per member state held by users of the taskforce, the
role never granted from a CERT role nor given outside the taskforce, and no vote written around the
domain's verbs."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from gotong import taskforce
from gotong.core.auth import Role
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Forbidden, Invalid
from gotong.intel.collections import get_collection
from gotong.intel.store import add_objects
from gotong.orgs.service import add_user, create_token
from gotong.sharing.tlp import TLP
from gotong.taskforce.objects import VOTE, make, stable_id
from tests.conftest import RunningServer
from tests.taskforce.conftest import STATES, TF, holder, operator, seat_roster


def test_every_member_state_has_one_seat_with_a_holder_and_an_alternate(
    seated: RunningServer, client: Any
) -> None:
    seats = client(org="VNCERT", role=Role.READONLY).ok("GET", f"{TF}/seats")  # published to members
    assert sorted(s["state"] for s in seats) == sorted(STATES)
    vn = next(s for s in seats if s["state"] == "VN")
    assert (vn["member"], vn["holder"], vn["state_name"]) == ("VNCERT", holder("VN"), "Viet Nam")
    assert vn["alternate"] == "alternate.vn@taskforce.example" and vn["term_end"] > vn["term_start"]
    assert sum(s["chair"] for s in seats) == 1


def test_a_seat_goes_only_to_taskforce_users(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        add_user(conn, email="analyst@vncert.example", org="VNCERT", role=Role.ANALYST)
        add_user(conn, email="seat.x@taskforce.example", org="ASEAN-TF", role=Role.TASKFORCE)
    body = taskforce.SeatAssign(
        state="VN", holder="analyst@vncert.example", alternate="seat.x@taskforce.example"
    )
    with pytest.raises(Invalid, match=r"holder: 'analyst@vncert\.example' is not a user of ASEAN-TF"):
        taskforce.assign_seat(engine, actor=operator(engine), seat=body)
    with pytest.raises(Forbidden, match="assigned by an admin of the taskforce"):
        taskforce.assign_seat(engine, actor=operator(engine, "VNCERT"), seat=body)


def test_the_taskforce_role_is_not_a_cert_role(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        with pytest.raises(Invalid, match="only users of the taskforce organisation"):
            add_user(conn, email="x@vncert.example", org="VNCERT", role=Role.TASKFORCE)
        with pytest.raises(Invalid, match="only users of the taskforce organisation"):
            create_token(conn, org="VNCERT", role=Role.TASKFORCE)
        add_user(conn, email="admin@vncert.example", org="VNCERT", role=Role.ADMIN)
        add_user(conn, email="seat@taskforce.example", org="ASEAN-TF", role=Role.TASKFORCE)
        with pytest.raises(Invalid, match="more rights"):
            create_token(conn, org="ASEAN-TF", user_email="seat@taskforce.example", role=Role.ANALYST)
        # positive controls: a seat holder's own role and readonly; an admin's lower CERT roles
        create_token(conn, org="ASEAN-TF", user_email="seat@taskforce.example", role=Role.READONLY)
        create_token(conn, org="VNCERT", user_email="admin@vncert.example", role=Role.ANALYST)
    assert Role.READONLY.rank < Role.TASKFORCE.rank < Role.ANALYST.rank
    assert not Role.ADMIN.grants(Role.TASKFORCE) and Role.TASKFORCE.grants(Role.TASKFORCE)


def test_a_vote_written_around_the_verbs_is_refused(engine: Engine) -> None:
    seat_roster(engine)
    vote = make(
        VOTE,
        stix_id=stable_id(VOTE, "motion", "VN"),
        now="2026-12-02T00:00:00.000Z",
        creator="identity--00000000-0000-4000-8000-000000000000",
        markings=[TLP.GREEN.marking_id],
        name="A forged vote",
        props={"motion_ref": stable_id("gotong-taskforce-motion", "m"), "seat": "VN", "choice": "yes"},
    )
    with read_connection(engine) as conn:
        collection = get_collection(conn, taskforce.TASKFORCE_COLLECTION).id
    with pytest.raises(Forbidden, match="only through the taskforce's own verbs"):
        add_objects(engine, principal=operator(engine), collection_id=collection, objects=[vote])
