"""Who may do what with playbooks: rules that are not sharing rules, called only by ``service.py``.

Who may *see* a playbook or a run is never decided here: that is the sharing policy's, applied by
the intel read path. Any member may read; any member with a writing token imports a playbook (its
organisation is then the version's submitter); applying one to a case adds the case's tasks, so the
incidents domain's own rule (the lead and the participants who add entries) decides that.
"""

from __future__ import annotations

from gotong.core.auth import Principal
from gotong.core.permissions import require_member, require_writer


def may_read(actor: Principal) -> None:
    require_member(actor)


def may_import(actor: Principal) -> None:
    require_member(actor)
    require_writer(actor)


def may_apply(actor: Principal) -> None:
    require_member(actor)
    require_writer(actor)
