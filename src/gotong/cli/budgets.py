"""``gotong budget``: the budgets domain defines its commands in :mod:`gotong.budgets.cli`."""

from gotong.budgets.cli import budget_group

__all__ = ["budget_group"]
