"""``gotong contact``: add, list and check points of contact, and show reachability. Thin.

The command line is the node operator's: it acts for the organisation named by ``--org`` with no role
limit, as the other operator commands do. Every problem ends in one line on stderr.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

import click
from pydantic import BaseModel, ValidationError

from gotong import contacts
from gotong.contacts import Channel, CheckCreate, ContactCreate
from gotong.core.auth import Principal
from gotong.core.commandline import field_problems
from gotong.db.engine import read_connection
from gotong.errors import Invalid
from gotong.orgs.service import operator_for
from gotong.settings import Settings


class _State(Protocol):
    @property
    def engine(self) -> Any: ...

    settings: Settings


def _state() -> _State:
    state: _State = click.get_current_context().find_root().obj
    return state


def _actor(org: str) -> Principal:
    with read_connection(_state().engine) as conn:
        return operator_for(conn, org=org)


_problems = field_problems


def _print(value: BaseModel | list[Any], as_json: bool, line: str) -> None:
    if as_json:
        data = (
            [v.model_dump(mode="json") for v in value]
            if isinstance(value, list)
            else value.model_dump(mode="json")
        )
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(line)


_org = click.option("--org", "org", required=True, help="Act as this organisation (short name).")
_as_json = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _csv(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@click.group()
def contact() -> None:
    """The 24/7 contact directory and its reachability checks."""


@contact.command("add")
@_org
@click.option("--role", required=True, help="A role of data/contacts/roles.toml, e.g. duty-desk.")
@click.option("--name", required=True)
@click.option("--email")
@click.option("--pgp-key-file", type=click.File("r"), help="ASCII-armored OpenPGP public key.")
@click.option("--phone")
@click.option("--webhook-url")
@click.option("--chat")
@click.option("--timezone", help="IANA zone, e.g. Asia/Bangkok.")
@click.option("--out-of-hours")
@click.option("--services", help="FIRST services, comma-separated.")
@click.option("--asns", help="AS numbers, comma-separated.")
@click.option("--networks", help="CIDR networks, comma-separated.")
@click.option("--domains", help="Domains, comma-separated.")
@click.option("--alternates", help="Contact ids, in order, comma-separated.")
@click.option("--visibility", "marks", multiple=True, metavar="FIELD=public|members|hub")
@_as_json
def add(org: str, as_json: bool, marks: tuple[str, ...], **given: Any) -> None:
    """Add a point of contact to ORG."""
    key = given.pop("pgp_key_file")
    values: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    for name in ("services", "networks", "domains"):
        if name in values:
            values[name] = _csv(values[name])
    try:
        for name in ("asns", "alternates"):
            if name in values:
                values[name] = [int(v) for v in _csv(values[name]) or []]
    except ValueError:
        raise click.ClickException("--asns and --alternates are numbers, comma-separated") from None
    if key is not None:
        values["pgp_key"] = key.read()
    visibility = {}
    for mark in marks:
        field, sep, level = mark.partition("=")
        if not sep:
            raise click.ClickException(f"--visibility {mark!r}: write FIELD=public|members|hub")
        visibility[field] = level
    try:
        body = ContactCreate(org=org, visibility=visibility or None, **values)
    except ValidationError as exc:
        raise click.ClickException(_problems(exc)) from None
    made = contacts.create_contact(_state().engine, actor=_actor(org), contact=body)
    _print(made, as_json, f"contact {made.id} added to {made.org} as {made.role}")


@contact.command("list")
@_org
@click.option("--of", "of_org", help="Only this organisation's contacts.")
@_as_json
def list_(org: str, of_org: str | None, as_json: bool) -> None:
    """The directory as ORG may see it."""
    found = contacts.list_contacts(_state().engine, actor=_actor(org), org=of_org)
    lines = [f"{c.id:>4}  {c.org:<10}  {c.role:<18}  {c.name or '-'}  {c.email or '-'}" for c in found]
    _print(found, as_json, "\n".join(lines) if lines else "no contacts")


@contact.command("check")
@_org
@click.argument("contact_id", type=int)
@click.option("--channel", type=click.Choice([str(c) for c in Channel]), required=True)
@click.option("--answered/--not-answered", default=None, help="Phone: whether the desk answered.")
@click.option("--response-seconds", type=float, help="Phone: how long it took to answer.")
@_as_json
def check(
    org: str,
    contact_id: int,
    channel: str,
    answered: bool | None,
    response_seconds: float | None,
    as_json: bool,
) -> None:
    """Send a challenge to CONTACT_ID (or record a phone check)."""
    state = _state()
    try:
        body = CheckCreate(channel=Channel(channel), answered=answered, response_seconds=response_seconds)
    except ValidationError as exc:
        raise click.ClickException(_problems(exc)) from None
    if channel != Channel.PHONE and not state.settings.base_url:
        raise click.ClickException(
            "set GOTONG_BASE_URL: the challenge carries the node's acknowledgement link"
        )
    done = contacts.run_check(
        state.engine,
        actor=_actor(org),
        contact_id=contact_id,
        check=body,
        settings=state.settings,
        base_url=state.settings.base_url,
    )
    _print(done, as_json, f"check {done.id} {done.status}" + (f": {done.problem}" if done.problem else ""))
    if done.problem:
        raise SystemExit(1)


@contact.command("reachability")
@_org
@click.option("--of", "of_org", help="Only this organisation.")
@click.option("--last", type=int, default=20, show_default=True, help="Count the last N decided checks.")
@_as_json
def reachability(org: str, of_org: str | None, last: int, as_json: bool) -> None:
    """Each organisation's reachability record."""
    found = contacts.reachability(_state().engine, actor=_actor(org), org=of_org, last=last)
    lines = []
    for r in found:
        rate = "-" if r.success_rate is None else f"{r.success_rate:.0%}"
        off = "-" if r.out_of_hours_success_rate is None else f"{r.out_of_hours_success_rate:.0%}"
        lines.append(
            f"{r.org:<10}  checks {r.checks:>3}  success {rate:>4}  out of hours {off:>4}  "
            f"last success {r.last_success or '-'}  escalations {r.open_escalations}"
        )
    _print(found, as_json, "\n".join(lines) if lines else "no contacts")


@contact.group("bundle")
def bundle() -> None:
    """The signed directory bundle (STIX identities) that members keep offline."""


@bundle.command("export")
@_org
@click.option("--output", "-o", type=click.File("w"), default="-", help="Write it here (default: stdout).")
def bundle_export(org: str, output: Any) -> None:
    """The directory as ORG may see it, signed with the node's key."""
    from gotong.node import node_key  # the node's key file: read only when a bundle is made

    made = contacts.export_bundle(_state().engine, actor=_actor(org), key=node_key(_state().settings))
    output.write(json.dumps(made, indent=2, ensure_ascii=False) + "\n")


@bundle.command("verify")
@click.argument("path", type=click.File("r"))
@click.option("--public-key", help="The node's public key (base64) you trust; default: the one it names.")
def bundle_verify(path: Any, public_key: str | None) -> None:
    """Check the signature of the bundle at PATH ('-': stdin)."""
    try:
        data = json.loads(path.read())
    except ValueError as exc:
        raise click.ClickException(f"not JSON: {exc}") from None
    try:
        done = contacts.verify_bundle(data, public_key=public_key)
    except Invalid as exc:
        raise click.ClickException(exc.message) from None
    trust = "the key given" if done.trusted_key else "the key it names (pass --public-key to pin the node's)"
    click.echo(f"bundle ok: {done.contacts} contacts, signed {done.signed_at} by {trust}")
