"""The service calls behind the taskforce pages, one function per page action, each taking ``actor``.
Each calls ``gotong.taskforce`` verbs, which check seats, recusal, windows and the sharing policy
themselves; what is left here is putting a page's parts together and naming a refusal by form field.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import Engine

from gotong import taskforce
from gotong.core.auth import Principal, Role
from gotong.web.services import FormInvalid, signed_in

CHOICES: list[str] = [str(c) for c in taskforce.Choice]


@dataclass(frozen=True)
class Agenda:
    seats: list[taskforce.SeatPublic]
    open_motions: list[taskforce.MotionPublic]
    decided: list[taskforce.MotionPublic]
    my_votes: list[taskforce.VotePublic]
    reviews: list[taskforce.ReviewPublic]
    measures: list[taskforce.MeasurePublic]
    tabled: list[taskforce.AgendaItemPublic]
    seat: str | None  # the state whose seat the reader holds or stands in for


def agenda(engine: Engine, *, actor: Principal, email: str | None) -> Agenda:
    signed_in(actor)
    motions = taskforce.list_motions(engine, actor=actor)
    seat = my_seat(engine, actor=actor, email=email)
    return Agenda(
        seats=taskforce.list_seats(engine, actor=actor),
        open_motions=[m for m in motions if m.status == "open"],
        decided=[m for m in motions if m.status != "open"],
        my_votes=[v for m in motions for v in m.votes if seat is not None and v.seat == seat],
        reviews=taskforce.list_reviews(engine, actor=actor),
        measures=taskforce.list_measures(engine, actor=actor),
        tabled=taskforce.list_agenda(engine, actor=actor),
        seat=seat,
    )


def motion(engine: Engine, *, actor: Principal, motion_id: str) -> taskforce.MotionPublic:
    signed_in(actor)
    return taskforce.get_motion(engine, actor=actor, motion_id=motion_id)


def my_seat(engine: Engine, *, actor: Principal, email: str | None) -> str | None:
    """The state whose seat the signed-in user holds or stands in for, if any."""
    if actor.role != Role.TASKFORCE or email is None:
        return None
    for seat in taskforce.list_seats(engine, actor=actor):
        if email.lower() in (seat.holder, seat.alternate):
            return seat.state
    return None


def cast_vote(engine: Engine, *, actor: Principal, motion_id: str, choice: str) -> None:
    signed_in(actor)
    try:
        vote = taskforce.VoteCast.model_validate({"choice": choice})
    except ValidationError:
        raise FormInvalid({"choice": "Choose yes, no or abstain"}) from None
    taskforce.cast_vote(engine, actor=actor, motion_id=motion_id, vote=vote)
