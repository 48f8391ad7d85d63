"""``gotong contact``: the contacts domain defines its commands in :mod:`gotong.contacts.cli`."""

from gotong.contacts.cli import contact

__all__ = ["contact"]
