"""``gotong scoreboard``: defined by the scoreboard domain in :mod:`gotong.scoreboard.cli`."""

from gotong.scoreboard.cli import scoreboard

__all__ = ["scoreboard"]
