"""``gotong training``: the training domain defines its commands in :mod:`gotong.training.cli`."""

from gotong.training.cli import training_group

__all__ = ["training_group"]
