"""``gotong case``: the incidents domain defines its commands in :mod:`gotong.incidents.cli`."""

from gotong.incidents.cli import case

__all__ = ["case"]
