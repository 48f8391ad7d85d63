"""The demo taskforce, made through the domain's own verbs from ``data/demo/taskforce.json``: a seat
holder and an alternate for every member state (users of the taskforce, signing in with the demo
password), a review of Viet Nam on norm (g) with its response, a motion decided twenty days ago and
an open one. Made once: a second load finds the seats held and adds nothing.

The decided motion's window ended in the past; it is decided here when the node's key is given (as
``gotong init --demo`` does), otherwise by the node's clock when it first runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection, write_transaction
from gotong.orgs.service import add_user, find_user, taskforce
from gotong.stix.timestamps import now_micros
from gotong.taskforce import schemas, service
from gotong.taskforce.models import Choice

_DAY = 24 * 3600 * 1_000_000


def load(
    engine: Engine, *, password_hash: Callable[[], str], set_hash: Any, key: Ed25519PrivateKey | None
) -> str:
    """Make the demo taskforce if its seats are vacant; returns a line for the demo's report."""
    data = json.loads(resources.files("gotong").joinpath("data/demo/taskforce.json").read_text("utf-8"))
    with read_connection(engine) as conn:
        tf = taskforce(conn)
    if tf is None:
        return ""
    operator = Principal(org_id=tf.id, org_short=tf.short_name)
    seats = service.list_seats(engine, actor=operator)
    if any(s.holder for s in seats):
        return ""
    states = [s.state for s in seats]
    emails = {
        s: (data["seat_email"].format(state=s.lower()), data["alternate_email"].format(state=s.lower()))
        for s in states
    }
    hashed = password_hash()  # one hash for all: argon2 is slow on purpose
    with write_transaction(engine) as conn:
        for pair in emails.values():
            for email in pair:
                if find_user(conn, email=email) is None:
                    add_user(conn, email=email, org=tf.short_name, role=Role.TASKFORCE, actor="demo")
                    set_hash(conn, email=email, password_hash=hashed, actor="demo")
    for state, (holder, alternate) in emails.items():
        service.assign_seat(
            engine, actor=operator, seat=schemas.SeatAssign(state=state, holder=holder, alternate=alternate)
        )

    def seat(state: str) -> Principal:
        with read_connection(engine) as conn:
            user = find_user(conn, email=emails[state][0])
        assert user is not None
        return Principal(org_id=tf.id, org_short=tf.short_name, user_id=user[0], role=Role.TASKFORCE)

    r = data["review"]
    review = service.open_review(
        engine,
        actor=seat(r["by"]),
        review=schemas.ReviewCreate(
            state=r["state"],
            norm=r["norm"],
            rapporteurs=r["rapporteurs"],
            draft_rating=r["draft_rating"],
            findings=r["findings"],
        ),
    )
    service.respond_review(
        engine,
        actor=seat(r["state"]),
        review_id=review.id,
        response=schemas.ReviewResponse(text=r["response"]),
    )

    now = now_micros()
    d = data["decided"]
    past = now - d["days_ago"] * _DAY
    decided = service.table_motion(
        engine,
        actor=seat(d["by"]),
        now=past,
        motion=schemas.MotionCreate(kind=d["kind"], text=d["text"], seconder=d["seconder"], norm=d["norm"]),
    )
    for state, choice in d["votes"].items():
        service.cast_vote(
            engine,
            actor=seat(state),
            motion_id=decided.id,
            vote=schemas.VoteCast(choice=Choice(choice)),
            now=past + _DAY,
        )
    if key is not None:
        service.close_due(engine, key=key, now=now)

    o = data["open"]
    motion = service.table_motion(
        engine,
        actor=seat(o["by"]),
        motion=schemas.MotionCreate(kind=o["kind"], text=o["text"], seconder=o["seconder"], review=review.id),
    )
    for state, choice in o["votes"].items():
        service.cast_vote(
            engine, actor=seat(state), motion_id=motion.id, vote=schemas.VoteCast(choice=Choice(choice))
        )
    return f"\ndemo taskforce: {len(states)} seats held, 1 review, 2 motions"
