"""The tamper-evident audit log: ``audit verify|checkpoint|verify-checkpoint``."""

from __future__ import annotations

from typing import IO

import click

from gotong.audit import VerifyResult, verify_checkpoint
from gotong.checkpoints import digester, keep_checkpoint, verify_node
from gotong.cli.base import State, pass_state, print_json
from gotong.db.engine import read_connection


@click.group()
def audit() -> None:
    """The tamper-evident audit log (a hash chain with signed checkpoints)."""


@audit.command("verify")
@pass_state
def audit_verify(state: State) -> None:
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
        return
    click.echo(
        f"audit log intact: {result.records} records, head {result.head}; "
        f"matches the checkpoint of {kept['at']} "
        f"(record {kept['seq']}, {kept.get('objects', '?')} object versions)"
    )


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
