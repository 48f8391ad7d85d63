"""``gotong maturity`` and ``gotong capacity``: defined by the domain in :mod:`gotong.maturity.cli`."""

from gotong.maturity.cli import capacity_group, maturity_group

__all__ = ["capacity_group", "maturity_group"]
