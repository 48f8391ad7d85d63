"""The service calls behind the budgets page: each calls ``gotong.budgets`` verbs, which check roles
and the sharing policy (a reader sees amounts only of the reports it may see, else bands)."""

from __future__ import annotations

from sqlalchemy import Engine

from gotong import budgets
from gotong.core.auth import Principal
from gotong.web.services import signed_in


def overview(engine: Engine, *, actor: Principal) -> dict[str, object]:
    signed_in(actor)
    return {
        "reports": budgets.list_reports(engine, actor=actor),
        "standing": budgets.compliance(engine, actor=actor),
        "mandates": budgets.list_mandates(),
        "categories": budgets.CATEGORIES,
    }
