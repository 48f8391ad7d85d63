"""The tamper-evident audit log: ``audit verify|checkpoint|verify-checkpoint``."""

from __future__ import annotations

from typing import IO

import click

from gotong.audit import VerifyResult, verify, verify_checkpoint
from gotong.cli.base import State, pass_state, print_json
from gotong.db.engine import read_connection
from gotong.node import signed_checkpoint


@click.group()
def audit() -> None:
    """The tamper-evident audit log (a hash chain with signed checkpoints)."""


@audit.command("verify")
@pass_state
def audit_verify(state: State) -> None:
    """Check the whole chain; names the first altered, removed, inserted or reordered record."""
    with read_connection(state.engine) as conn:
        result = verify(conn)
    if not result.ok:
        raise click.ClickException(f"audit log broken{_at(result)}: {result.reason}")
    click.echo(f"audit log intact: {result.records} records, head {result.head}")


@audit.command("checkpoint")
@pass_state
def audit_checkpoint(state: State) -> None:
    """Print a checkpoint of the log signed with the node's Ed25519 key (keep it; verify it later)."""
    with read_connection(state.engine) as conn:
        signed = signed_checkpoint(conn, settings=state.settings)
    print_json(signed)


@audit.command("verify-checkpoint")
@click.argument("file", type=click.File("r"))
@click.option("--public-key", help="The node's public key you trust (base64); default: the one in the file.")
@pass_state
def audit_verify_checkpoint(state: State, file: IO[str], public_key: str | None) -> None:
    """Check a kept checkpoint against the log as it is now."""
    with read_connection(state.engine) as conn:
        result = verify_checkpoint(conn, file.read(), public_key=public_key)
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
