"""What every domain's command-line module needs from the command it runs in.

The ``gotong`` group keeps its state (engine, settings) on the root click context; a domain's
``cli.py`` reads it here instead of importing the assembly (``gotong.cli``), which it may not.
Request models are built here too, so that a field problem ends as one line (click's error) and
never as a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, TypeVar

import click
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine

_Model = TypeVar("_Model", bound=BaseModel)


class _HasEngine(Protocol):
    @property
    def engine(self) -> Engine: ...


def root_engine() -> Engine:
    """The engine of the ``gotong`` command being run."""
    state: _HasEngine = click.get_current_context().find_root().obj
    return state.engine


class _HasSettings(Protocol):
    @property
    def settings(self) -> Any: ...


def root_settings() -> Any:
    """The settings of the ``gotong`` command being run (a :class:`gotong.settings.Settings`)."""
    state: _HasSettings = click.get_current_context().find_root().obj
    return state.settings


def field_problems(exc: ValidationError) -> str:
    """A model's validation errors as one line: ``field.sub: message; ...``."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


def build_model(model: Callable[..., _Model], **values: Any) -> _Model:
    """``model(**values)`` without the options left unset; a field problem is a one-line click error."""
    try:
        return model(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        raise click.ClickException(field_problems(exc)) from None


def put_document(fmt: str, output: Path | None, render: Mapping[str, Callable[[], str | bytes]]) -> None:
    """Print a document rendered as ``fmt`` (``render[fmt]()``), or write it to ``output``; a binary
    format (PDF) needs ``output``, refused in one line before anything is rendered."""
    if fmt == "pdf" and output is None:
        raise click.ClickException("--format pdf needs --output FILE")
    content = render[fmt]()
    if output is None:
        click.echo(content)
        return
    if isinstance(content, bytes):
        output.write_bytes(content)
    else:
        output.write_text(content, encoding="utf-8")
    click.echo(f"wrote {output}")
