"""The verbs of the taskforce: assign seats, review a member's implementation of a norm, table motions,
vote, close the windows that have ended (deciding by the rule and signing the decision), move measures
up the ladder when their deadline passes, and what the regional report reads: the decisions a reader
may see in a period and the measures in force.

Every record is a STIX object written through the intel store by the taskforce organisation into the
taskforce collection, so TLP, sharing groups, the audit log and receipts apply unchanged, and every read
goes through the intel read path, which carries the sharing policy: deliberations (reviews, motions,
votes) are TLP:AMBER to a named-recipients group of the taskforce alone; seats, decisions and measures
are TLP:GREEN to the members. What an actor may do is ``policy.py``; the rules are ``models.py``'s.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine

from gotong import norms
from gotong.core import events
from gotong.core.auth import Principal, Role
from gotong.db.engine import read_connection, write_transaction
from gotong.errors import Conflict, Invalid, NotFound
from gotong.orgs.service import Organisation, find_user, get_user_email, taskforce
from gotong.sharing.policy import Reader
from gotong.sharing.service import SharingGroup, load_reader
from gotong.sharing.tlp import TLP
from gotong.stix.timestamps import micros_of, now_micros
from gotong.taskforce import objects, policy, records, signing, storage
from gotong.taskforce.models import (
    DECISIONS,
    RAPPORTEURS,
    RATINGS,
    RUNGS,
    STATES,
    TERM_MONTHS,
    Ballot,
    Choice,
    DecisionKind,
    Tally,
    chair_of,
    next_rung,
    outcome,
    rung,
)
from gotong.taskforce.records import TASKFORCE_COLLECTION
from gotong.taskforce.schemas import (
    MeasurePublic,
    MotionCreate,
    MotionPublic,
    RemedyReport,
    ReviewCreate,
    ReviewPublic,
    ReviewResponse,
    SeatAssign,
    SeatPublic,
    TallyPublic,
    VoteCast,
    VotePublic,
)

__all__ = [
    "TASKFORCE_COLLECTION",
    "assign_seat",
    "cast_vote",
    "close_due",
    "decisions_in_period",
    "escalate_measures",
    "get_motion",
    "get_review",
    "list_measures",
    "list_motions",
    "list_reviews",
    "list_seats",
    "measures_in_force",
    "open_review",
    "report_remedy",
    "respond_review",
    "table_motion",
]

_DAY = 24 * 3600 * 1_000_000


# --- seats ---------------------------------------------------------------------------------------------


def list_seats(engine: Engine, *, actor: Principal, on: date | None = None) -> list[SeatPublic]:
    """Every member state's seat, vacant or held, with who chairs on ``on`` (today by default)."""
    policy.may_read(actor)
    day = on or datetime.now(UTC).date()
    with read_connection(engine) as conn:
        states = records.states(conn)
        reader = load_reader(conn, actor)
        collection = records.existing_collection(conn)
        held = {} if collection is None else _seats(conn, reader, collection)
        suspended = set() if collection is None else _suspended(conn, reader, collection)
    order = sorted(states, key=lambda s: _state_name(s))
    chair = chair_of(order, suspended, day)
    found = []
    for state in order:
        seat = held.get(state, {})
        found.append(
            SeatPublic(
                state=state,
                state_name=_state_name(state),
                member=states[state],
                holder=seat.get("holder"),
                alternate=seat.get("alternate"),
                term_start=seat.get("term_start"),
                term_end=seat.get("term_end"),
                chair=state == chair,
                chair_suspended=state in suspended,
            )
        )
    return found


def assign_seat(engine: Engine, *, actor: Principal, seat: SeatAssign, now: int | None = None) -> SeatPublic:
    """Give a member state's seat to a holder and an alternate (users of the taskforce) for a term."""
    tf, _group = records.setup(engine)
    policy.may_assign_seats(actor, taskforce_id=tf.id)
    state = seat.state.upper()
    with read_connection(engine) as conn:
        if state not in records.states(conn):
            raise Invalid(
                f"state: {seat.state!r} has no seat; the seats are {', '.join(sorted(records.states(conn)))}"
            )
        for field, email in (("holder", seat.holder), ("alternate", seat.alternate)):
            user = find_user(conn, email=email)
            if user is None or user[1] != tf.short_name or user[2] != Role.TASKFORCE:
                raise Invalid(f"{field}: {email!r} is not a user of {tf.short_name} with the taskforce role")
        if seat.holder.lower() == seat.alternate.lower():
            raise Invalid("alternate: the alternate is another person than the holder")
        collection = records.collection_id(conn)
        held = _seats(conn, records.system_reader(conn, tf), collection)
    for other, s in held.items():
        if other != state and {seat.holder.lower(), seat.alternate.lower()} & {s["holder"], s["alternate"]}:
            raise Conflict(f"{seat.holder} or {seat.alternate} already sits for {_state_name(other)}")
    try:
        start = date.fromisoformat(seat.term_start) if seat.term_start else _today(now)
    except ValueError:
        raise Invalid(f"term_start: {seat.term_start!r} is not a date (YYYY-MM-DD)") from None
    end = _add_months(start, TERM_MONTHS)
    stamp = records.stamp(now)
    stix_id = objects.stable_id(objects.SEAT, state)
    previous = held.get(state)
    props = {
        "state": state,
        "holder": seat.holder.lower(),
        "alternate": seat.alternate.lower(),
        "term_start": start.isoformat(),
        "term_end": end.isoformat(),
    }
    if previous is not None:
        obj = objects.revised(previous, modified=records.after(previous["modified"], now), props=props)
    else:
        obj = objects.make(
            objects.SEAT,
            stix_id=stix_id,
            now=stamp,
            creator=tf.identity_id,
            markings=[TLP.GREEN.marking_id],
            name=f"Seat of {_state_name(state)}",
            props=props,
        )
    records.write(engine, tf, [obj])
    return next(s for s in list_seats(engine, actor=records.principal(tf)) if s.state == state)


# --- reviews -------------------------------------------------------------------------------------------


def open_review(
    engine: Engine, *, actor: Principal, review: ReviewCreate, now: int | None = None
) -> ReviewPublic:
    """Open a review of a member's implementation of a norm, with two rapporteurs from other members and
    a draft rating (deliberation: TLP:AMBER to the taskforce)."""
    policy.may_act_for_a_seat(actor, "open a review")
    tf, group = records.setup(engine)
    state = review.state.upper()
    with read_connection(engine) as conn:
        seat = _seat_of(conn, actor, tf, "open a review")
        states = records.states(conn)
    norm_id, norm_title = _reviewable(engine, review.norm)
    if state not in states:
        raise Invalid(f"state: {review.state!r} is not a member state with a seat")
    rapporteurs = [r.upper() for r in review.rapporteurs]
    if len(set(rapporteurs)) != RAPPORTEURS or not set(rapporteurs) <= set(states):
        raise Invalid(f"rapporteurs: a review has {RAPPORTEURS} rapporteurs, each a different member state")
    if state in rapporteurs:
        raise Invalid(f"rapporteurs: {_state_name(state)} cannot be a rapporteur on its own review")
    if review.draft_rating not in RATINGS:
        raise Invalid(f"draft_rating: {review.draft_rating!r} is not one of {', '.join(RATINGS)}")
    obj = objects.make(
        objects.REVIEW,
        stix_id=objects.new_id(objects.REVIEW),
        now=records.stamp(now),
        creator=tf.identity_id,
        markings=_deliberation(group),
        name=f"Review of {_state_name(state)} on norm ({norm_id})",
        props={
            "state": state,
            "norm": norm_id,
            "norm_title": norm_title,
            "rapporteurs": rapporteurs,
            "draft_rating": review.draft_rating,
            "findings": review.findings,
            "review_status": "draft",
            "opened_by": seat,
        },
    )
    records.write(engine, tf, [obj])
    return get_review(engine, actor=actor, review_id=obj["id"])


def _reviewable(engine: Engine, norm_id: str) -> tuple[str, str]:
    """The id and title of a norm a member's implementation of may be reviewed: one of the data's
    catalogue and regional norms, or a regional norm the taskforce adopted from a proposal made
    through Gotong (in the catalogue once adopted, :func:`gotong.norms.list_norms`)."""
    try:
        found = norms.norm(norm_id)
    except NotFound:
        adopted = {n.id: n for n in norms.list_norms(engine) if n.status == "adopted"}
        if norm_id not in adopted:
            raise
        return norm_id, adopted[norm_id].title
    return found.id, found.title


def respond_review(
    engine: Engine, *, actor: Principal, review_id: str, response: ReviewResponse, now: int | None = None
) -> ReviewPublic:
    """The reviewed member's written response, by its own seat."""
    policy.may_act_for_a_seat(actor, "respond to a review")
    tf, _group = records.setup(engine)
    with read_connection(engine) as conn:
        seat = _seat_of(conn, actor, tf, "respond to a review")
        obj = storage.find(
            conn, load_reader(conn, actor), records.collection_id(conn), objects.REVIEW, review_id, "review"
        )
    policy.may_respond(seat, state=obj["state"])
    if obj["review_status"] not in ("draft", "responded"):
        raise Conflict(f"the review is {obj['review_status']}; its response can no longer change")
    stamp = records.after(obj["modified"], now)
    new = objects.revised(
        obj,
        modified=stamp,
        props={"response": response.text, "responded_at": stamp, "review_status": "responded"},
    )
    records.write(engine, tf, [new])
    return get_review(engine, actor=actor, review_id=review_id)


def list_reviews(engine: Engine, *, actor: Principal) -> list[ReviewPublic]:
    """The reviews the actor may see (the taskforce's deliberations: none for anyone else), newest first."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        collection = records.existing_collection(conn)
        if collection is None:
            return []
        found = [
            _review(o)
            for o in storage.latest(conn, load_reader(conn, actor), collection, types=(objects.REVIEW,))
        ]
    return sorted(found, key=lambda r: (r.created, r.id), reverse=True)


def get_review(engine: Engine, *, actor: Principal, review_id: str) -> ReviewPublic:
    policy.may_read(actor)
    with read_connection(engine) as conn:
        collection = records.existing_collection(conn) or TASKFORCE_COLLECTION
        return _review(
            storage.find(conn, load_reader(conn, actor), collection, objects.REVIEW, review_id, "review")
        )


# --- motions and votes ---------------------------------------------------------------------------------


def table_motion(
    engine: Engine, *, actor: Principal, motion: MotionCreate, now: int | None = None
) -> MotionPublic:
    """Table a motion, seconded by another seat; its window opens now and closes after the rule's days."""
    policy.may_act_for_a_seat(actor, "table a motion")
    tf, group = records.setup(engine)
    rule = DECISIONS[motion.kind]
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        proposer = _seat_of(conn, actor, tf, "table a motion")
        reader = load_reader(conn, actor)
        collection = records.collection_id(conn)
        seats = _seats(conn, reader, collection)
        states = records.states(conn)
        props: dict[str, Any] = {"kind": str(motion.kind), "norm": motion.norm}
        concerned = motion.concerned.upper() if motion.concerned else None
        if motion.kind == DecisionKind.ADOPT_RATING:
            if motion.review is None:
                raise Invalid("review: a motion to adopt a rating names the review it adopts")
            review = storage.find(conn, reader, collection, objects.REVIEW, motion.review, "review")
            if review["review_status"] not in ("draft", "responded"):
                raise Conflict(f"review: the review is {review['review_status']} already")
            concerned, props["review_ref"], props["norm"] = review["state"], review["id"], review["norm"]
            props["rating"] = review["draft_rating"]
        if motion.kind == DecisionKind.LIFT_MEASURE:
            if motion.measure is None:
                raise Invalid("measure: a motion to lift a measure names the measure")
            measure = storage.find(conn, reader, collection, objects.MEASURE, motion.measure, "measure")
            if measure["measure_status"] == "lifted":
                raise Conflict("measure: the measure is lifted already")
            concerned, props["measure_ref"] = measure["state"], measure["id"]
        proposal = None
        if motion.kind == DecisionKind.ADOPT_NORM:
            drafts = [n.id for n in norms.proposed()]
            if motion.norm is not None and motion.norm.startswith(f"{norms.PROPOSAL_TYPE}--"):
                # A proposal made through Gotong, as the actor sees it (hidden: not found).
                proposal = norms.get_proposal(engine, actor=actor, proposal_id=motion.norm)
            elif motion.norm not in drafts:
                raise Invalid(
                    f"norm: a motion to adopt a norm names a proposed regional norm "
                    f"({', '.join(drafts) or 'none is proposed'}) or a proposal's id, not {motion.norm!r}"
                )
        if motion.kind == DecisionKind.IMPOSE_MEASURE:
            if concerned is None:
                raise Invalid("concerned: a measure is imposed on a member state; name it")
            props["rung"] = motion.rung or RUNGS[0].id
            if props["rung"] not in {r.id for r in RUNGS}:
                raise Invalid(f"rung: {motion.rung!r} is not one of {', '.join(r.id for r in RUNGS)}")
    seconder = motion.seconder.upper()
    if seconder == proposer or seconder not in seats:
        raise Invalid(
            f"seconder: a motion is seconded by another seat than the proposer's ({seconder!r} is not)"
        )
    if concerned is not None and concerned not in states:
        raise Invalid(f"concerned: {concerned!r} is not a member state")
    if props["norm"] is not None and proposal is None:
        props["norm"] = norms.norm(props["norm"]).id
    closes = at + rule.voting_days * _DAY
    props.update(
        {
            "text": motion.text,
            "proposer": proposer,
            "seconder": seconder,
            "concerned": concerned,
            "rule": rule.as_data(),
            "opens_at": records.ts(at),
            "closes_at": records.ts(closes),
            "motion_status": "open",
        }
    )
    obj = objects.make(
        objects.MOTION,
        stix_id=objects.new_id(objects.MOTION),
        now=records.ts(at),
        creator=tf.identity_id,
        markings=_deliberation(group),
        name=rule.name,
        props={k: v for k, v in props.items() if v is not None},
    )
    records.write(engine, tf, [obj])
    return get_motion(engine, actor=actor, motion_id=obj["id"])


def cast_vote(
    engine: Engine, *, actor: Principal, motion_id: str, vote: VoteCast, now: int | None = None
) -> VotePublic:
    """Cast (or, while the window is open, change) the actor's seat's vote on a motion."""
    policy.may_act_for_a_seat(actor, "vote")
    tf, group = records.setup(engine)
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        seat = _seat_of(conn, actor, tf, "vote")
        email = get_user_email(conn, actor) or ""
        reader = load_reader(conn, actor)
        collection = records.collection_id(conn)
        motion = storage.find(conn, reader, collection, objects.MOTION, motion_id, "motion")
        vote_id = objects.stable_id(objects.VOTE, motion_id, seat)
        previous = next(
            iter(storage.latest(conn, reader, collection, types=(objects.VOTE,), ids=(vote_id,))), None
        )
    rule = DECISIONS[DecisionKind(motion["kind"])]
    is_open = motion["motion_status"] == "open" and at < micros_of(motion["closes_at"])
    policy.may_vote(
        seat, concerned=motion.get("concerned"), rule=rule, open_=is_open, closes_at=motion["closes_at"]
    )
    salt = secrets.token_hex(16)
    props: dict[str, Any] = {
        "motion_ref": motion_id,
        "seat": seat,
        "choice": str(vote.choice),
        "ballot": motion["rule"]["ballot"],
        "recorded_by": email,
        "cast_at": records.ts(at),
    }
    if props["ballot"] == str(Ballot.SECRET):
        props["salt"] = salt
        props["choice_digest"] = _digest(motion_id, seat, str(vote.choice), salt)
    if previous is not None:
        obj = objects.revised(previous, modified=records.after(previous["modified"], at), props=props)
    else:
        obj = objects.make(
            objects.VOTE,
            stix_id=vote_id,
            now=records.ts(at),
            creator=tf.identity_id,
            markings=_deliberation(group),
            name=f"Vote of {_state_name(seat)}",
            props=props,
        )
    records.write(engine, tf, [obj])
    return VotePublic(motion=motion_id, seat=seat, choice=vote.choice, at=obj["modified"])


def list_motions(engine: Engine, *, actor: Principal, status: str | None = None) -> list[MotionPublic]:
    """The motions the actor may see: the taskforce sees its deliberations, every member the decisions."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        collection = records.existing_collection(conn)
        if collection is None:
            return []
        found = list(_motions(conn, actor, collection).values())
    if status is not None:
        found = [m for m in found if m.status == status]
    return sorted(found, key=lambda m: (m.opens_at, m.id), reverse=True)


def get_motion(engine: Engine, *, actor: Principal, motion_id: str) -> MotionPublic:
    """One motion: its text, rule, window and, as the rule allows, its tally and votes."""
    policy.may_read(actor)
    if not motion_id.startswith(f"{objects.MOTION}--"):
        raise NotFound(f"{motion_id!r} is not a motion id ({objects.MOTION}--<UUID>)")
    with read_connection(engine) as conn:
        collection = records.existing_collection(conn)
        found = {} if collection is None else _motions(conn, actor, collection, only=motion_id)
    if motion_id not in found:
        raise NotFound(f"no motion {motion_id} is visible to you")
    return found[motion_id]


def close_due(engine: Engine, *, key: Ed25519PrivateKey, now: int | None = None) -> list[MotionPublic]:
    """The clock's work (the ``taskforce-clock`` job, ``gotong taskforce motion --close-due``): every open
    motion whose window has ended is decided by its rule, the decision signed with the node's key and
    published, and what it decides applied (a review's rating adopted, a measure imposed or lifted)."""
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        tf = taskforce(conn)
        collection = records.existing_collection(conn)
        if tf is None or collection is None:
            return []
        reader = records.system_reader(conn, tf)
        due = [
            m
            for m in storage.latest(conn, reader, collection, types=(objects.MOTION,))
            if m["motion_status"] == "open" and micros_of(m["closes_at"]) <= at
        ]
        votes = _votes(conn, reader, collection)
        states = records.states(conn)
    closed = []
    for motion in due:
        _decide(engine, tf, key, motion, votes.get(motion["id"], {}), states, at)
        closed.append(get_motion(engine, actor=records.principal(tf), motion_id=motion["id"]))
    return closed


# --- measures ------------------------------------------------------------------------------------------


def list_measures(engine: Engine, *, actor: Principal) -> list[MeasurePublic]:
    """Every measure the actor may see (published to the members), newest first."""
    policy.may_read(actor)
    with read_connection(engine) as conn:
        collection = records.existing_collection(conn)
        if collection is None:
            return []
        found = [
            _measure(o)
            for o in storage.latest(conn, load_reader(conn, actor), collection, types=(objects.MEASURE,))
        ]
    return sorted(found, key=lambda m: (m.history[0]["at"], m.id), reverse=True)


def measures_in_force(engine: Engine, *, actor: Principal) -> list[MeasurePublic]:
    """The measures the actor may see that are not lifted (for the regional report)."""
    return [m for m in list_measures(engine, actor=actor) if m.status != "lifted"]


def decisions_in_period(engine: Engine, *, actor: Principal, since: int, until: int) -> list[MotionPublic]:
    """The decided motions the actor may see decided in [since, until) (for the regional report)."""
    return [
        m
        for m in list_motions(engine, actor=actor)
        if m.statement is not None and since <= micros_of(m.statement["decided_at"]) < until
    ]


def report_remedy(
    engine: Engine, *, actor: Principal, measure_id: str, report: RemedyReport, now: int | None = None
) -> MeasurePublic:
    """The member's seat reports a remedy: the measure stops climbing the ladder until a vote lifts it
    (or the taskforce tables a new measure)."""
    policy.may_act_for_a_seat(actor, "report a remedy")
    tf, _group = records.setup(engine)
    with read_connection(engine) as conn:
        seat = _seat_of(conn, actor, tf, "report a remedy")
        obj = storage.find(
            conn,
            load_reader(conn, actor),
            records.collection_id(conn),
            objects.MEASURE,
            measure_id,
            "measure",
        )
    policy.may_respond(seat, state=obj["state"])
    if obj["measure_status"] == "lifted":
        raise Conflict("the measure is lifted already")
    stamp = records.after(obj["modified"], now)
    entry = {"event": "remedy-reported", "rung": obj["rung"], "at": stamp, "note": report.text}
    new = objects.revised(
        obj, modified=stamp, props={"measure_status": "remedy-reported", "history": [*obj["history"], entry]}
    )
    records.write(engine, tf, [new])
    return _measure(new)


def escalate_measures(engine: Engine, *, now: int | None = None) -> list[MeasurePublic]:
    """The clock's work: each measure in force whose follow-up deadline has passed without a remedy
    reported moves one rung up the ladder, with the new rung's deadline (the last rung stays)."""
    at = now if now is not None else now_micros()
    with read_connection(engine) as conn:
        tf = taskforce(conn)
        collection = records.existing_collection(conn)
        if tf is None or collection is None:
            return []
        due = [
            m
            for m in storage.latest(
                conn, records.system_reader(conn, tf), collection, types=(objects.MEASURE,)
            )
            if m["measure_status"] == "in-force" and micros_of(m["deadline"]) <= at and next_rung(m["rung"])
        ]
    moved = []
    for obj in due:
        up = next_rung(obj["rung"])
        assert up is not None
        stamp = records.after(obj["modified"], at)
        entry = {"event": "escalated", "rung": up.id, "at": stamp, "note": f"no remedy by {obj['deadline']}"}
        new = objects.revised(
            obj,
            modified=stamp,
            props={
                "rung": up.id,
                "deadline": records.ts(at + up.follow_up_days * _DAY),
                "history": [*obj["history"], entry],
            },
        )
        records.write(engine, tf, [new])
        moved.append(_measure(new))
    return moved


# --- deciding ------------------------------------------------------------------------------------------


def _decide(
    engine: Engine,
    tf: Organisation,
    key: Ed25519PrivateKey,
    motion: dict[str, Any],
    votes: dict[str, dict[str, Any]],
    states: dict[str, str],
    at: int,
) -> None:
    rule = DECISIONS[DecisionKind(motion["kind"])]
    concerned = motion.get("concerned")
    recused = [concerned] if rule.recuse_concerned and concerned else []
    eligible = [s for s in states if s not in recused]
    counted = {s: v["choice"] for s, v in votes.items() if s in eligible}
    tally = Tally(
        yes=sum(c == Choice.YES for c in counted.values()),
        no=sum(c == Choice.NO for c in counted.values()),
        abstain=sum(c == Choice.ABSTAIN for c in counted.values()),
        eligible=len(eligible),
    )
    adopted, reason = outcome(rule, tally)
    stamp = records.after(motion["modified"], at)
    statement: dict[str, Any] = {
        "motion": motion["id"],
        "kind": motion["kind"],
        "text": motion["text"],
        "proposer": motion["proposer"],
        "seconder": motion["seconder"],
        "concerned": concerned,
        "norm": motion.get("norm"),
        "rating": motion.get("rating"),
        "review": motion.get("review_ref"),
        "measure": motion.get("measure_ref"),
        "rule": motion["rule"],
        "opens_at": motion["opens_at"],
        "closes_at": motion["closes_at"],
        "outcome": "adopted" if adopted else "rejected",
        "reason": reason,
        "tally": {
            "yes": tally.yes,
            "no": tally.no,
            "abstain": tally.abstain,
            "eligible": tally.eligible,
            "cast": tally.cast,
        },
        "votes": dict(sorted(counted.items())) if rule.ballot == Ballot.BY_NAME else None,
        "recused": recused,
        "decided_at": stamp,
    }
    signed = signing.sign(statement, key)
    decision_id = objects.stable_id(objects.DECISION, motion["id"])
    changed = [
        objects.revised(
            motion,
            modified=stamp,
            props={"motion_status": statement["outcome"], "reason": reason, "decision_ref": decision_id},
        ),
        objects.make(
            objects.DECISION,
            stix_id=decision_id,
            now=stamp,
            creator=tf.identity_id,
            markings=[TLP.GREEN.marking_id],
            name=f"Decision: {rule.name}",
            props={"motion_ref": motion["id"], "statement": signed, "recorded_by": records.SYSTEM},
        ),
    ]
    with read_connection(engine) as conn:
        reader = records.system_reader(conn, tf)
        collection = records.collection_id(conn)
        if motion.get("review_ref"):
            review = storage.find(conn, reader, collection, objects.REVIEW, motion["review_ref"], "review")
            changed.append(
                objects.revised(
                    review,
                    modified=records.after(review["modified"], at),
                    props={"review_status": statement["outcome"], "decision_ref": decision_id},
                )
            )
        if motion.get("measure_ref") and adopted:
            measure = storage.find(
                conn, reader, collection, objects.MEASURE, motion["measure_ref"], "measure"
            )
            entry = {
                "event": "lifted",
                "rung": measure["rung"],
                "at": stamp,
                "note": f"lifted by {decision_id}",
            }
            changed.append(
                objects.revised(
                    measure,
                    modified=records.after(measure["modified"], at),
                    props={"measure_status": "lifted", "history": [*measure["history"], entry]},
                )
            )
    if motion["kind"] == str(DecisionKind.IMPOSE_MEASURE) and adopted:
        first = rung(motion["rung"])
        entry = {"event": "imposed", "rung": first.id, "at": stamp, "note": f"imposed by {decision_id}"}
        changed.append(
            objects.make(
                objects.MEASURE,
                stix_id=objects.stable_id(objects.MEASURE, motion["id"]),
                now=stamp,
                creator=tf.identity_id,
                markings=[TLP.GREEN.marking_id],
                name=f"Measure on {_state_name(concerned or '')}",
                props={
                    "state": concerned,
                    "rung": first.id,
                    "text": motion["text"],
                    "measure_status": "in-force",
                    "deadline": records.ts(at + first.follow_up_days * _DAY),
                    "history": [entry],
                    "decision_ref": decision_id,
                    "recorded_by": records.SYSTEM,
                },
            )
        )
    records.write(engine, tf, changed)
    # What other domains act on (a regional norm adopted): published once the decision is stored,
    # and again by every run of the clock (redeliver_decisions) in case this process stops first.
    with write_transaction(engine) as conn:
        events.publish(conn, _decided(statement, decision_id))


def _decided(statement: dict[str, Any], decision_id: str) -> events.MotionDecided:
    return events.MotionDecided(
        motion_id=statement["motion"],
        kind=statement["kind"],
        adopted=statement["outcome"] == "adopted",
        norm=statement.get("norm"),
        concerned=statement.get("concerned"),
        decision_id=decision_id,
        decided_at=statement["decided_at"],
    )


def redeliver_decisions(engine: Engine) -> int:
    """Publish :class:`~gotong.core.events.MotionDecided` again for every decision stored (the
    ``taskforce-clock`` job, after closing what is due). How many were published.

    A decision is stored, and its event published, in two transactions, and an after-commit
    reaction that fails (a norm's adoption written through the store) is logged, not retried; so a
    process that stops or a reaction that fails in between would lose what the decision does in
    other domains. Publishing every decision again on each run makes them arrive in the end; the
    subscribers are idempotent (the same decision again changes nothing).
    """
    with read_connection(engine) as conn:
        tf = taskforce(conn)
        collection = records.existing_collection(conn)
        if tf is None or collection is None:
            return 0
        reader = records.system_reader(conn, tf)
        decided = [
            _decided(d["statement"], d["id"])
            for d in storage.latest(conn, reader, collection, types=(objects.DECISION,))
        ]
    if decided:
        with write_transaction(engine) as conn:
            for event in decided:
                events.publish(conn, event)
    return len(decided)


# --- reading -------------------------------------------------------------------------------------------


def _motions(
    conn: Connection, actor: Principal, collection: str, only: str | None = None
) -> dict[str, MotionPublic]:
    reader = load_reader(conn, actor)
    ids = (only,) if only else ()
    email = get_user_email(conn, actor) if actor.role == Role.TASKFORCE else None
    mine = None
    if email:
        seats = _seats(conn, reader, collection)
        mine = next((s for s, v in seats.items() if email in (v["holder"], v["alternate"])), None)
    votes = _votes(conn, reader, collection)
    found: dict[str, MotionPublic] = {}
    for m in storage.latest(conn, reader, collection, types=(objects.MOTION,), ids=ids):
        found[m["id"]] = _motion_public(m, votes.get(m["id"], {}), mine, conn, reader, collection)
    decision_ids = (objects.stable_id(objects.DECISION, only),) if only else ()
    for d in storage.latest(conn, reader, collection, types=(objects.DECISION,), ids=decision_ids):
        if d["motion_ref"] not in found:
            found[d["motion_ref"]] = _from_statement(d)
    return found


def _motion_public(
    m: dict[str, Any],
    votes: dict[str, dict[str, Any]],
    mine: str | None,
    conn: Connection,
    reader: Reader,
    collection: str,
) -> MotionPublic:
    rule = DECISIONS[DecisionKind(m["kind"])]
    statement = None
    if m.get("decision_ref"):
        decision = next(
            iter(
                storage.latest(conn, reader, collection, types=(objects.DECISION,), ids=(m["decision_ref"],))
            ),
            None,
        )
        statement = decision["statement"] if decision else None
    by_name = rule.ballot == Ballot.BY_NAME
    shown = [
        VotePublic(
            motion=m["id"],
            seat=s,
            choice=Choice(v["choice"]) if by_name or s == mine else None,
            at=v["modified"],
        )
        for s, v in sorted(votes.items())
        if by_name or s == mine
    ]
    tally = None
    if statement is not None:
        tally = TallyPublic(**statement["tally"])
    elif by_name:
        counted = [v["choice"] for v in votes.values()]
        eligible = len(records.states(conn)) - (1 if rule.recuse_concerned and m.get("concerned") else 0)
        tally = TallyPublic(
            yes=counted.count("yes"),
            no=counted.count("no"),
            abstain=counted.count("abstain"),
            eligible=eligible,
            cast=len(counted),
        )
    return MotionPublic(
        id=m["id"],
        kind=DecisionKind(m["kind"]),
        kind_name=rule.name,
        text=m["text"],
        proposer=m["proposer"],
        seconder=m["seconder"],
        concerned=m.get("concerned"),
        norm=m.get("norm"),
        review=m.get("review_ref"),
        measure=m.get("measure_ref"),
        rule=m["rule"],
        rule_text=rule.describe(),
        opens_at=m["opens_at"],
        closes_at=m["closes_at"],
        status=m["motion_status"],
        reason=m.get("reason"),
        tally=tally,
        votes=shown,
        recused=[m["concerned"]] if rule.recuse_concerned and m.get("concerned") else [],
        decision=m.get("decision_ref"),
        statement=statement,
        tlp=objects.tlp_of(m),
    )


def _from_statement(d: dict[str, Any]) -> MotionPublic:
    """A decided motion as every member sees it: from its published, signed decision."""
    s = d["statement"]
    rule = DECISIONS[DecisionKind(s["kind"])]
    votes = [
        VotePublic(motion=s["motion"], seat=k, choice=Choice(v), at=s["decided_at"])
        for k, v in (s["votes"] or {}).items()
    ]
    return MotionPublic(
        id=s["motion"],
        kind=rule.kind,
        kind_name=rule.name,
        text=s["text"],
        proposer=s["proposer"],
        seconder=s["seconder"],
        concerned=s["concerned"],
        norm=s["norm"],
        review=s["review"],
        measure=s["measure"],
        rule=s["rule"],
        rule_text=rule.describe(),
        opens_at=s["opens_at"],
        closes_at=s["closes_at"],
        status=s["outcome"],
        reason=s["reason"],
        tally=TallyPublic(**s["tally"]),
        votes=votes,
        recused=s["recused"],
        decision=d["id"],
        statement=s,
        tlp=objects.tlp_of(d),
    )


def _votes(conn: Connection, reader: Reader, collection: str) -> dict[str, dict[str, dict[str, Any]]]:
    """motion id -> seat -> its latest vote, of the votes the reader may see."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for v in storage.latest(conn, reader, collection, types=(objects.VOTE,)):
        found.setdefault(v["motion_ref"], {})[v["seat"]] = v
    return found


def _review(o: dict[str, Any]) -> ReviewPublic:
    return ReviewPublic(
        id=o["id"],
        state=o["state"],
        norm=o["norm"],
        norm_title=o.get("norm_title") or norms.norm(o["norm"]).title,
        rapporteurs=list(o["rapporteurs"]),
        draft_rating=o["draft_rating"],
        findings=o["findings"],
        response=o.get("response"),
        responded_at=o.get("responded_at"),
        status=o["review_status"],
        tlp=objects.tlp_of(o),
        created=o["created"],
    )


def _measure(o: dict[str, Any]) -> MeasurePublic:
    return MeasurePublic(
        id=o["id"],
        state=o["state"],
        rung=o["rung"],
        rung_name=rung(o["rung"]).name,
        text=o["text"],
        status=o["measure_status"],
        deadline=o["deadline"],
        history=list(o["history"]),
        decision=o.get("decision_ref"),
        tlp=objects.tlp_of(o),
    )


def _seats(conn: Connection, reader: Reader, collection: str) -> dict[str, dict[str, Any]]:
    return {s["state"]: s for s in storage.latest(conn, reader, collection, types=(objects.SEAT,))}


def _suspended(conn: Connection, reader: Reader, collection: str) -> set[str]:
    """The states whose turn in the chair rotation a measure in force suspends."""
    return {
        m["state"]
        for m in storage.latest(conn, reader, collection, types=(objects.MEASURE,))
        if m["measure_status"] != "lifted" and rung(m["rung"]).suspends == "chair-rotation"
    }


def _seat_of(conn: Connection, actor: Principal, tf: Organisation, what: str) -> str:
    """The state whose seat the actor holds or stands in for."""
    email = get_user_email(conn, actor)
    if actor.org_id != tf.id or email is None:
        raise policy.no_seat(what)
    collection = records.existing_collection(conn)
    seats = {} if collection is None else _seats(conn, records.system_reader(conn, tf), collection)
    for state, seat in seats.items():
        if email in (seat["holder"], seat["alternate"]):
            return state
    raise policy.no_seat(what)


# --- helpers -------------------------------------------------------------------------------------------


def _state_name(state: str) -> str:
    return STATES.get(state, state)


def _deliberation(group: SharingGroup) -> list[str]:
    return [TLP.AMBER.marking_id, group.marking_id]


def _digest(motion: str, seat: str, choice: str, salt: str) -> str:
    return hashlib.sha256(f"{motion}|{seat}|{choice}|{salt}".encode()).hexdigest()


def _today(now: int | None) -> date:
    at = now if now is not None else now_micros()
    return datetime.fromtimestamp(at / 1_000_000, UTC).date()


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, min(day.day, 28))
