"""The tamper-evident audit log: ``audit verify|checkpoint|verify-checkpoint|witnessed``."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import click

from gotong.audit import VerifyResult, verify_checkpoint
from gotong.checkpoints import digester, keep_checkpoint, verify_node, verify_own
from gotong.cli.base import State, pass_state, print_json
from gotong.core.outbound import outbound_client
from gotong.db.engine import read_connection
from gotong.federation import witness


@click.group()
def audit() -> None:
    """The tamper-evident audit log (a hash chain with signed checkpoints)."""


@audit.command("verify")
@click.option(
    "--witnesses",
    is_flag=True,
    help="Also ask every federation peer for the checkpoints of this node it holds, and check each.",
)
@pass_state
def audit_verify(state: State, witnesses: bool) -> None:
    """Check the chain and the node's newest kept checkpoint (log and stored objects)."""
    with read_connection(state.engine, snapshot=True) as conn:
        result, kept = verify_node(conn, settings=state.settings)
    if not result.ok:
        raise click.ClickException(f"audit log broken{_at(result)}: {result.reason}")
    if kept is None:
        click.echo(
            f"audit log intact: {result.records} records, head {result.head}; "
            "no checkpoint kept yet, so only the chain was checked"
        )
    else:
        click.echo(
            f"audit log intact: {result.records} records, head {result.head}; "
            f"matches the checkpoint of {kept['at']} "
            f"(record {kept['seq']}, {kept.get('objects', '?')} object versions)"
        )
    if witnesses:
        _verify_witnesses(state)


def _verify_witnesses(state: State) -> None:
    """One line per checkpoint each witness holds; exit 1 if any no longer matches the log."""

    def check(statement: dict[str, Any]) -> VerifyResult:
        with read_connection(state.engine, snapshot=True) as conn:
            return verify_own(conn, statement, settings=state.settings)

    with outbound_client(state.settings, timeout=30.0) as client:
        checks = witness.verify_witnessed(state.engine, client, check)
    if not checks:
        click.echo("no federation peers are configured, so no witness was asked")
    for one in checks:
        click.echo(f"witness {one.witness}: {one.detail}")
    if broken := sum(1 for one in checks if one.ok is False):
        raise click.ClickException(f"{broken} checkpoint(s) held by witnesses do not match this node's log")


@audit.command("witnessed")
@pass_state
def audit_witnessed(state: State) -> None:
    """The checkpoints this node holds as witness of its peers, and those it refused."""
    folder = Path(state.settings.node_key_file).parent
    print_json({"held": witness.held(folder), "refused": witness.refusals(folder)})


@audit.command("checkpoint")
@pass_state
def audit_checkpoint(state: State) -> None:
    """Sign a checkpoint of the log and the stored objects with the node's key, keep it, print it."""
    print_json(keep_checkpoint(state.engine, settings=state.settings))


@audit.command("verify-checkpoint")
@click.argument("file", type=click.File("r"))
@click.option("--public-key", help="The node's public key you trust (base64); default: the one in the file.")
@pass_state
def audit_verify_checkpoint(state: State, file: IO[str], public_key: str | None) -> None:
    """Check a kept checkpoint against the log as it is now."""
    with read_connection(state.engine, snapshot=True) as conn:
        result = verify_checkpoint(conn, file.read(), public_key=public_key, store=digester(conn))
    if not result.ok:
        raise click.ClickException(f"checkpoint does not match the log{_at(result)}: {result.reason}")
    signer = (
        "signed by the public key you trust"
        if result.trusted_key
        else "only against the key written in the file; give --public-key to check who signed it"
    )
    click.echo(f"checkpoint verified ({signer}); log intact with {result.records} records")


def _at(result: VerifyResult) -> str:
    return f" at record {result.first_bad_seq}" if result.first_bad_seq is not None else ""
