"""``gotong assistance``: the assistance domain defines its commands in :mod:`gotong.assistance.cli`."""

from gotong.assistance.cli import assistance_group

__all__ = ["assistance_group"]
