"""``gotong taskforce seat|review|motion|vote|measures|agenda``: the roster, reviews, motions, votes,
measures and the agenda at the node's command line. Thin.

The command line is the node operator's. Lists are read as the taskforce organisation. What a seat
does (open a review, table a motion, vote, respond, report a remedy) is done ``--as`` the seat
holder's or alternate's e-mail, under the same rules as over REST (the secretariat records, for
example, the votes cast in a meeting). Every problem ends in one line on stderr.
"""

from __future__ import annotations

import click
from sqlalchemy import Engine

from gotong import taskforce
from gotong.core.auth import Principal
from gotong.core.commandline import build_model, root_engine, root_settings
from gotong.db.engine import read_connection
from gotong.errors import Invalid, NotFound
from gotong.orgs.service import find_user
from gotong.orgs.service import taskforce as taskforce_org
from gotong.taskforce import (
    Choice,
    DecisionKind,
    MotionCreate,
    MotionPublic,
    RemedyReport,
    ReviewCreate,
    ReviewResponse,
    SeatAssign,
    VoteCast,
)


def _operator(engine: Engine) -> Principal:
    with read_connection(engine) as conn:
        tf = taskforce_org(conn)
    if tf is None:
        raise NotFound("this network has no taskforce organisation")
    return Principal(org_id=tf.id, org_short=tf.short_name)


def _as(engine: Engine, email: str) -> Principal:
    """The principal of a taskforce user, as their own token would give it."""
    with read_connection(engine) as conn:
        tf = taskforce_org(conn)
        user = find_user(conn, email=email)
    if tf is None or user is None or user[1] != tf.short_name:
        raise Invalid(f"--as: {email!r} is not a user of the taskforce")
    return Principal(org_id=tf.id, org_short=tf.short_name, user_id=user[0], role=user[2])


def _motion(m: MotionPublic, as_json: bool) -> None:
    if as_json:
        click.echo(m.model_dump_json(indent=2))
        return
    about = f" on {m.concerned}" if m.concerned else ""
    click.echo(f"{m.id}  {m.kind_name}{about}: {m.status}, TLP:{m.tlp.upper()}")
    click.echo(f"  {m.text}")
    click.echo(f"  proposed by {m.proposer}, seconded by {m.seconder}; {m.rule_text}")
    click.echo(f"  voting {m.opens_at} to {m.closes_at}")
    if m.tally is not None:
        t = m.tally
        click.echo(f"  tally: {t.yes} yes, {t.no} no, {t.abstain} abstaining; {t.cast} of {t.eligible} seats")
    for v in m.votes:
        click.echo(f"  {v.seat}: {v.choice or 'voted'}")
    if m.reason:
        click.echo(f"  {m.reason}")


@click.group("taskforce")
def taskforce_group() -> None:
    """The taskforce: seats, reviews of norms, motions and votes, measures."""


@taskforce_group.group("seat")
def seat() -> None:
    """The roster: one seat per member state."""


@seat.command("list")
def seat_list() -> None:
    """Every seat with its holder, alternate and term; the chair marked."""
    engine = root_engine()
    for s in taskforce.list_seats(engine, actor=_operator(engine)):
        chair = "  (chair)" if s.chair else ""
        suspended = "  (chair turn suspended)" if s.chair_suspended else ""
        held = (
            f"{s.holder}, alternate {s.alternate}, {s.term_start} to {s.term_end}" if s.holder else "vacant"
        )
        click.echo(f"{s.state}  {s.state_name}: {held}{chair}{suspended}")


@seat.command("assign")
@click.argument("state")
@click.option("--holder", required=True, help="E-mail of a taskforce user")
@click.option("--alternate", required=True, help="E-mail of another taskforce user")
@click.option("--term-start", help="YYYY-MM-DD (today by default)")
def seat_assign(state: str, holder: str, alternate: str, term_start: str | None) -> None:
    """Give STATE's seat (e.g. VN) to a holder and an alternate for a term."""
    engine = root_engine()
    body = build_model(SeatAssign, state=state, holder=holder, alternate=alternate, term_start=term_start)
    s = taskforce.assign_seat(engine, actor=_operator(engine), seat=body)
    click.echo(
        f"{s.state}  {s.state_name}: {s.holder}, alternate {s.alternate}, {s.term_start} to {s.term_end}"
    )


@taskforce_group.group("review")
def review() -> None:
    """Reviews of a member's implementation of a norm."""


@review.command("list")
def review_list() -> None:
    engine = root_engine()
    for r in taskforce.list_reviews(engine, actor=_operator(engine)):
        click.echo(f"{r.id}  {r.state} on norm ({r.norm}): draft {r.draft_rating}, {r.status}")


@review.command("open")
@click.option("--as", "as_", required=True, help="The e-mail of a seat holder or alternate")
@click.option("--state", required=True)
@click.option("--norm", required=True)
@click.option("--rapporteur", "rapporteurs", multiple=True, required=True)
@click.option("--rating", required=True)
@click.option("--findings", required=True)
def review_open(
    as_: str, state: str, norm: str, rapporteurs: tuple[str, ...], rating: str, findings: str
) -> None:
    """Open a review of STATE on NORM with two rapporteurs and a draft rating."""
    engine = root_engine()
    body = build_model(
        ReviewCreate,
        state=state,
        norm=norm,
        rapporteurs=list(rapporteurs),
        draft_rating=rating,
        findings=findings,
    )
    r = taskforce.open_review(engine, actor=_as(engine, as_), review=body)
    click.echo(f"{r.id}  {r.state} on norm ({r.norm}): draft {r.draft_rating}, {r.status}")


@review.command("respond")
@click.argument("review_id")
@click.option("--as", "as_", required=True)
@click.option("--text", required=True)
def review_respond(review_id: str, as_: str, text: str) -> None:
    """The reviewed member's written response."""
    engine = root_engine()
    body = build_model(ReviewResponse, text=text)
    r = taskforce.respond_review(engine, actor=_as(engine, as_), review_id=review_id, response=body)
    click.echo(f"{r.id}  {r.status}")


@taskforce_group.group("motion")
def motion() -> None:
    """Motions: table, list, show, close those whose window has ended."""


@motion.command("list")
@click.option("--status", type=click.Choice(["open", "adopted", "rejected"]))
def motion_list(status: str | None) -> None:
    engine = root_engine()
    for m in taskforce.list_motions(engine, actor=_operator(engine), status=status):
        click.echo(f"{m.id}  {m.kind_name}: {m.status}, closes {m.closes_at}")


@motion.command("show")
@click.argument("motion_id")
@click.option("--json", "as_json", is_flag=True)
def motion_show(motion_id: str, as_json: bool) -> None:
    engine = root_engine()
    _motion(taskforce.get_motion(engine, actor=_operator(engine), motion_id=motion_id), as_json)


@motion.command("table")
@click.option("--as", "as_", required=True, help="The proposer: a seat holder's or alternate's e-mail")
@click.option("--kind", type=click.Choice([k.value for k in DecisionKind]), required=True)
@click.option("--text", required=True)
@click.option("--seconder", required=True, help="The seconding seat's state")
@click.option("--concerned", help="The member state the motion is about")
@click.option("--review", "review_id", help="adopt-rating: the review")
@click.option("--measure", help="lift-measure: the measure")
@click.option("--rung", help="impose-measure: the rung to start on")
@click.option("--norm")
def motion_table(
    as_: str,
    kind: str,
    text: str,
    seconder: str,
    concerned: str | None,
    review_id: str | None,
    measure: str | None,
    rung: str | None,
    norm: str | None,
) -> None:
    """Table a motion; voting opens now for the rule's days."""
    engine = root_engine()
    body = build_model(
        MotionCreate,
        kind=kind,
        text=text,
        seconder=seconder,
        concerned=concerned,
        review=review_id,
        measure=measure,
        rung=rung,
        norm=norm,
    )
    _motion(taskforce.table_motion(engine, actor=_as(engine, as_), motion=body), False)


@motion.command("close-due")
def motion_close_due() -> None:
    """Decide every motion whose window has ended, signing each decision with the node's key."""
    from gotong.node import node_key

    engine = root_engine()
    for m in taskforce.close_due(engine, key=node_key(root_settings())):
        click.echo(f"{m.id}  {m.status}: {m.reason}")


@taskforce_group.command("vote")
@click.argument("motion_id")
@click.option("--as", "as_", required=True, help="The voting seat holder's or alternate's e-mail")
@click.option("--choice", type=click.Choice([c.value for c in Choice]), required=True)
def vote(motion_id: str, as_: str, choice: str) -> None:
    """Cast a seat's vote on MOTION_ID (the member concerned never votes on its own case)."""
    engine = root_engine()
    v = taskforce.cast_vote(
        engine, actor=_as(engine, as_), motion_id=motion_id, vote=VoteCast(choice=Choice(choice))
    )
    click.echo(f"{v.seat} voted {v.choice} on {v.motion}")


@taskforce_group.command("measures")
@click.option("--escalate", is_flag=True, help="Move each measure past its deadline one rung up now")
@click.option("--remedy", nargs=3, metavar="MEASURE EMAIL TEXT", help="A member's seat reports a remedy")
def measures(escalate: bool, remedy: tuple[str, str, str] | None) -> None:
    """The measures on members with their rung, status and deadline."""
    engine = root_engine()
    if escalate:
        for m in taskforce.escalate_measures(engine):
            click.echo(f"escalated {m.id} on {m.state} to {m.rung}")
    if remedy:
        measure_id, email, text = remedy
        body = build_model(RemedyReport, text=text)
        taskforce.report_remedy(engine, actor=_as(engine, email), measure_id=measure_id, report=body)
    for m in taskforce.list_measures(engine, actor=_operator(engine)):
        click.echo(f"{m.id}  {m.state}: {m.rung_name}, {m.status}, follow-up by {m.deadline}")


@taskforce_group.command("agenda")
def agenda() -> None:
    """The matters tabled on the taskforce's agenda by another domain (a budget below its mandate)."""
    engine = root_engine()
    for i in taskforce.list_agenda(engine, actor=_operator(engine)):
        state = f" ({i.state})" if i.state else ""
        years = ", ".join(str(y) for y in i.years)
        click.echo(f"{i.id}  {i.member}{state}: {i.subject} {years}, {i.status}, TLP:{i.tlp.upper()}")
