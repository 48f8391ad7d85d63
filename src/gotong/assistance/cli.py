"""``gotong assistance``: write, list, show and answer mutual assistance requests. Thin.

The command line is the node operator's: it acts for the organisation named by ``--org`` with no role
limit, as the other operator commands do (the party rules still hold: only the addressee answers).
Every problem ends in one line on stderr.
"""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import Engine

from gotong import assistance
from gotong.assistance import (
    KINDS,
    AssistanceCreate,
    AssistanceFilter,
    AssistancePublic,
    AssistanceUpdate,
    Channel,
    Kind,
    MessageCreate,
    RequestStatus,
    Urgency,
)
from gotong.core.auth import Principal
from gotong.core.commandline import build_model, root_engine
from gotong.db.engine import read_connection
from gotong.orgs.service import operator_for

_engine = root_engine
_build = build_model


def _actor(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return operator_for(conn, org=org)


def _fields(values: tuple[str, ...]) -> dict[str, str]:
    parsed = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep:
            raise click.ClickException(f"--field {value!r}: write NAME=TEXT, e.g. data_to_preserve='...'")
        parsed[name.strip()] = text
    return parsed


def _show(request: AssistancePublic, as_json: bool) -> None:
    if as_json:
        click.echo(request.model_dump_json(indent=2))
        return
    click.echo(f"{request.id}  {request.title}")
    click.echo(f"  {request.kind_name}: {request.requester} asks {request.addressee} ({request.legal_basis})")
    audience = f", to {request.audience}" if request.audience else ""
    click.echo(f"  status {request.status}, {request.urgency}, TLP:{request.tlp.upper()}{audience}")
    if request.deadlines:
        d = request.deadlines
        click.echo(f"  acknowledge by {d.acknowledge_by}, answer by {d.answer_by}")
    if request.preserved_until:
        click.echo(f"  preserved until {request.preserved_until}")
    if request.escalated:
        click.echo("  escalated to the hub")
    for name, value in request.fields.items():
        click.echo(f"  {name}: {value}")
    for h in request.history:
        click.echo(f"  {h.at}  {h.event} by {h.by}" + (f": {h.reason}" if h.reason else ""))
    for m in request.messages:
        click.echo(f"  message {m.created} from {m.author}: {m.text}")


def _update(org: str, request_id: str, as_json: bool, **values: Any) -> None:
    engine = _engine()
    body = _build(AssistanceUpdate, **values)
    actor = _actor(engine, org)
    _show(assistance.update_request(engine, actor=actor, request_id=request_id, update=body), as_json)


_org = click.option("--org", "org", required=True, help="Act as this organisation (short name).")
_as_json = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
_reason = click.option("--reason", help="Recorded in the request's history.")


@click.group(name="assistance")
def assistance_group() -> None:
    """Mutual assistance requests between members (preservation, disclosure, technical help...)."""


@assistance_group.command("kinds")
def kinds() -> None:
    """The kinds of request and the fields each needs (* required)."""
    for info in KINDS.values():
        click.echo(f"{info.kind}  {info.name} ({info.legal_basis})")
        for f in info.fields:
            click.echo(f"  {'*' if f.required else ' '} {f.name}: " + f.title().partition(" (")[2][:-1])


@assistance_group.command("request")
@_org
@click.option("--to", "addressee", required=True, help="The organisation asked (short name).")
@click.option("--kind", required=True, type=click.Choice([str(k) for k in Kind]))
@click.option("--title", required=True)
@click.option("--description")
@click.option("--urgency", type=click.Choice([str(u) for u in Urgency]))
@click.option("--legal-basis")
@click.option(
    "--field", "fields", multiple=True, metavar="NAME=TEXT", help="A field of the kind (repeatable)."
)
@click.option("--case", help="The incident case this request belongs to.")
@click.option("--tlp")
@click.option("--group", "sharing_group", help="A sharing group holding both parties, instead of theirs.")
@click.option("--channel", type=click.Choice([str(c) for c in Channel]))
@click.option("--draft", is_flag=True, help="Keep it as a draft instead of sending it.")
@_as_json
def request(org: str, as_json: bool, fields: tuple[str, ...], **values: Any) -> None:
    """Write a request from ORG and send it."""
    engine = _engine()
    body = _build(AssistanceCreate, **values, fields=_fields(fields))
    _show(assistance.create_request(engine, actor=_actor(engine, org), request=body), as_json)


@assistance_group.command("list")
@_org
@click.option("--status", type=click.Choice([str(s) for s in RequestStatus]))
@click.option("--kind", type=click.Choice([str(k) for k in Kind]))
@click.option("--role", type=click.Choice(["requester", "addressee"]), help="ORG's side.")
@_as_json
def list_requests(org: str, as_json: bool, **values: Any) -> None:
    """The requests ORG may see, newest first."""
    engine = _engine()
    found = assistance.list_requests(
        engine, actor=_actor(engine, org), filter=_build(AssistanceFilter, **values)
    )
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in found], indent=2))
        return
    for r in found:
        click.echo(f"{r.id}  {r.status:<12}  {r.kind:<17}  {r.requester} -> {r.addressee}  {r.title}")


@assistance_group.command("show")
@_org
@click.argument("request_id")
@_as_json
def show(org: str, request_id: str, as_json: bool) -> None:
    """One request with its history and messages."""
    engine = _engine()
    _show(assistance.get_request(engine, actor=_actor(engine, org), request_id=request_id), as_json)


@assistance_group.command("status")
@_org
@click.argument("request_id")
@click.argument("status", type=click.Choice([str(s) for s in RequestStatus]))
@_reason
@_as_json
def status(org: str, request_id: str, status: str, reason: str | None, as_json: bool) -> None:
    """Move a request to STATUS (send, acknowledge, in-progress, withdraw...)."""
    _update(org, request_id, as_json, status=status, reason=reason)


@assistance_group.command("answer")
@_org
@click.argument("request_id")
@click.option("--refuse", is_flag=True, help="Refuse the request instead (needs --reason).")
@click.option("--text", help="The answer, added to the thread as a message.")
@_reason
@_as_json
def answer(
    org: str, request_id: str, refuse: bool, text: str | None, reason: str | None, as_json: bool
) -> None:
    """Answer (or refuse) a request addressed to ORG."""
    engine = _engine()
    actor = _actor(engine, org)
    if text:
        body = _build(MessageCreate, text=text)
        assistance.add_message(engine, actor=actor, request_id=request_id, message=body)
    status = RequestStatus.REFUSED if refuse else RequestStatus.ANSWERED
    _update(org, request_id, as_json, status=status, reason=reason)


@assistance_group.command("renew")
@_org
@click.argument("request_id")
@_reason
@_as_json
def renew(org: str, request_id: str, reason: str | None, as_json: bool) -> None:
    """Extend a preservation by the kind's renewal days."""
    _update(org, request_id, as_json, renew=True, reason=reason)


@assistance_group.command("confirm")
@_org
@click.argument("request_id")
@click.option("--reference", required=True, help="The formal request's reference.")
@click.option("--note")
@_as_json
def confirm(org: str, request_id: str, reference: str, note: str | None, as_json: bool) -> None:
    """Record the formal confirmation of a request sent by an expedited channel."""
    confirmation = {"reference": reference, **({"note": note} if note else {})}
    _update(org, request_id, as_json, confirmation=confirmation)


@assistance_group.command("message")
@_org
@click.argument("request_id")
@click.argument("text")
def message(org: str, request_id: str, text: str) -> None:
    """Add a message to a request's thread."""
    engine = _engine()
    body = _build(MessageCreate, text=text)
    added = assistance.add_message(engine, actor=_actor(engine, org), request_id=request_id, message=body)
    click.echo(added.id)


@assistance_group.command("overdue")
@click.option("--org", help="Only the requests this organisation sees (nothing is changed).")
@_as_json
def overdue(org: str | None, as_json: bool) -> None:
    """Requests past a deadline. Without --org: every one, escalating urgent ones to the hub and
    marking expired preservations (what the server's job does every few minutes)."""
    engine = _engine()
    if org:
        found = assistance.overdue_requests(engine, actor=_actor(engine, org))
    else:
        found = assistance.check_overdue(engine)
    if as_json:
        click.echo(json.dumps([o.model_dump(mode="json") for o in found], indent=2))
        return
    for o in found:
        r = o.request
        flag = "  escalated" if r.escalated else ""
        click.echo(f"{r.id}  missed {o.missed} by {o.due}  {r.requester} -> {r.addressee}{flag}  {r.title}")
