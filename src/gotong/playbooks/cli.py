"""``gotong playbook``: import, list, show, apply and advance CACAO playbooks. Thin.

The command line is the node operator's: it acts for the organisation named by ``--org``, as the
other operator commands do. Imports are checked against the CACAO schemas of the setting
``cacao_schemas`` (``GOTONG_CACAO_SCHEMAS``). Every problem ends in one line on stderr.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import Engine

from gotong import playbooks
from gotong.core.auth import Principal
from gotong.core.commandline import build_model, root_engine, root_settings
from gotong.db.engine import read_connection
from gotong.orgs.service import operator_for
from gotong.playbooks import PlaybookApply, PlaybookImport, RunPublic

_org = click.option("--org", "org", required=True, help="Act as this organisation (short name).")
_as_json = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _actor(engine: Engine, org: str) -> Principal:
    with read_connection(engine) as conn:
        return operator_for(conn, org=org)


def _read(path: str) -> dict[str, object]:
    try:
        found = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    if not isinstance(found, dict):
        raise click.ClickException(f"{path}: a CACAO playbook is a JSON object")
    return found


def _show_run(run: RunPublic) -> None:
    click.echo(f"{run.id}  {run.name} (version {run.version}){'  finished' if run.finished else ''}")
    for step in run.steps:
        click.echo(f"  step {step.name} [{step.role}]: {step.outcome or 'open'} ({len(step.tasks)} task(s))")
    for clock in run.clocks:
        click.echo(f"  clock {clock.name} of the {clock.party}: {clock.state}, due {clock.due}")


@click.group("playbook")
def playbook_group() -> None:
    """Response playbooks (OASIS CACAO 2.0) and applying them to cases."""


@playbook_group.command("import")
@_org
@click.option("--collection", required=True, help="Collection id or alias the playbook is stored in.")
@click.option("--tlp", default="green", show_default=True, help="clear, green, amber or amber+strict.")
@click.option("--group", "sharing_group", help="Sharing group the playbook is addressed to.")
@click.option("--library", is_flag=True, help="Import the regional library shipped with Gotong.")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
def import_playbooks(
    org: str, collection: str, tlp: str, sharing_group: str | None, library: bool, files: tuple[str, ...]
) -> None:
    """Import CACAO 2.0 playbooks from FILES (and the library with --library)."""
    documents = [_read(f) for f in files] + (playbooks.library() if library else [])
    if not documents:
        raise click.ClickException("name playbook files to import, or --library")
    engine = root_engine()
    actor = _actor(engine, org)
    for document in documents:
        request = build_model(
            PlaybookImport, playbook=document, collection=collection, tlp=tlp, sharing_group=sharing_group
        )
        made = playbooks.import_playbook(
            engine, actor=actor, request=request, schemas=root_settings().cacao_schemas
        )
        click.echo(f"{made.id}  version {made.version}  {made.name}")


@playbook_group.command("list")
@_org
@_as_json
def list_playbooks(org: str, as_json: bool) -> None:
    """The playbooks ORG may see (the latest version of each)."""
    engine = root_engine()
    found = playbooks.list_playbooks(engine, actor=_actor(engine, org))
    if as_json:
        click.echo(json.dumps([p.model_dump(mode="json") for p in found], indent=2))
        return
    for p in found:
        click.echo(f"{p.id}  {p.version}  TLP:{p.tlp.upper():<12}  {p.name}")


@playbook_group.command("show")
@_org
@click.argument("playbook_id")
@click.option("--version", help="A version's modified (default: the latest).")
@click.option("--export", is_flag=True, help="Print the CACAO document alone.")
def show_playbook(org: str, playbook_id: str, version: str | None, export: bool) -> None:
    """One playbook: its versions, roles and clocks (or, with --export, its CACAO document)."""
    engine = root_engine()
    found = playbooks.get_playbook(
        engine, actor=_actor(engine, org), playbook_id=playbook_id, version=version
    )
    if export:
        click.echo(json.dumps(found.document, indent=2))
        return
    click.echo(f"{found.id}  {found.name}")
    click.echo(f"  version {found.version}; versions: {', '.join(found.versions)}")
    click.echo(f"  TLP:{found.tlp.upper()}" + (f" to {found.audience}" if found.audience else ""))
    click.echo(
        f"  {found.steps} steps, by: {', '.join(found.roles)}; clocks: {', '.join(found.clocks) or 'none'}"
    )


@playbook_group.command("apply")
@_org
@click.argument("case_id")
@click.argument("playbook_id")
@click.option("--version", help="A version's modified (default: the latest).")
def apply_playbook(org: str, case_id: str, playbook_id: str, version: str | None) -> None:
    """Apply PLAYBOOK_ID to CASE_ID: its first steps become tasks; its clocks start."""
    engine = root_engine()
    body = build_model(PlaybookApply, playbook=playbook_id, version=version)
    _show_run(playbooks.apply_playbook(engine, actor=_actor(engine, org), case_id=case_id, apply=body))


@playbook_group.command("advance")
@_org
@click.argument("case_id")
def advance_playbooks(org: str, case_id: str) -> None:
    """Follow CASE_ID's playbooks past the outcomes recorded since."""
    engine = root_engine()
    for run in playbooks.advance_playbooks(engine, actor=_actor(engine, org), case_id=case_id):
        _show_run(run)
