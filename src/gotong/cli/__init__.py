"""The ``gotong`` command: the group and its output helpers in :mod:`gotong.cli.base`, one module
of commands per domain beside it. ``gotong = "gotong.cli:main"`` is the console script."""

# Importing each module adds its commands to the group.
from gotong.cli import audit, collections, exchange, feeds, groups, node, orgs, peers, reads  # noqa: F401
from gotong.cli.base import main

__all__ = ["main"]
