"""``gotong norms``: the norms domain defines its commands in :mod:`gotong.norms.cli`."""

from gotong.norms.cli import norms_group

__all__ = ["norms_group"]
