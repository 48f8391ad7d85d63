"""``gotong taskforce``: the taskforce domain defines its commands in :mod:`gotong.taskforce.cli`."""

from gotong.taskforce.cli import taskforce_group

__all__ = ["taskforce_group"]
