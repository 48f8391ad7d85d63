"""Correlation: which objects share observables (an IP, a domain, a hash) across organisations.

The verbs adapters call with the principal that asks are in :mod:`gotong.correlation.service`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gotong.correlation.normalise import normalise
    from gotong.correlation.observables import Observable, observables_of
    from gotong.correlation.service import (
        acknowledge_alert,
        alerts_of,
        lookup_value,
        register_webhook,
        search_objects,
        sightings_of,
    )

__all__ = [
    "Observable",
    "acknowledge_alert",
    "alerts_of",
    "lookup_value",
    "normalise",
    "observables_of",
    "register_webhook",
    "search_objects",
    "sightings_of",
]

# Loaded on first use: the domains still import each other's modules in cycles, which importing
# the verbs here, while the package initialises, would close (issue 11 item 4 removes them).
_WHERE = {
    "normalise": "gotong.correlation.normalise",
    "Observable": "gotong.correlation.observables",
    "observables_of": "gotong.correlation.observables",
    "acknowledge_alert": "gotong.correlation.service",
    "alerts_of": "gotong.correlation.service",
    "lookup_value": "gotong.correlation.service",
    "register_webhook": "gotong.correlation.service",
    "search_objects": "gotong.correlation.service",
    "sightings_of": "gotong.correlation.service",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
