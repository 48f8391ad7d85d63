"""The ``gotong`` command: the group and its output helpers in :mod:`gotong.cli.base`, one module
of commands per domain beside it (named in ``base.COMMANDS``, loaded when used).
``gotong = "gotong.cli:main"`` is the console script."""

from gotong.cli.base import main

__all__ = ["main"]
