"""Organisations, users, roles and API tokens: who is asking."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gotong.core.exports import lazy_exports

if TYPE_CHECKING:
    from gotong.orgs.service import Organisation, organisations_for, whoami

__all__ = ["Organisation", "organisations_for", "whoami"]

# Loaded on first use (gotong.core.exports says why).
__getattr__ = lazy_exports(__name__, {"gotong.orgs.service": __all__})
