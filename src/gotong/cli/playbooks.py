"""``gotong playbook``: the playbooks domain defines its commands in :mod:`gotong.playbooks.cli`."""

from gotong.playbooks.cli import playbook_group

__all__ = ["playbook_group"]
