"""Correlation: which objects share observables (an IP, a domain, a hash) across organisations.

The verbs adapters call with the principal that asks are in :mod:`gotong.correlation.service`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gotong.core.exports import lazy_exports

if TYPE_CHECKING:
    from gotong.correlation.normalise import normalise
    from gotong.correlation.observables import Observable, observables_of
    from gotong.correlation.service import (
        acknowledge_alert,
        acknowledgement_times,
        alerts_of,
        lookup_value,
        register_webhook,
        search_objects,
        sightings_of,
    )

__all__ = [
    "Observable",
    "acknowledge_alert",
    "acknowledgement_times",
    "alerts_of",
    "lookup_value",
    "normalise",
    "observables_of",
    "register_webhook",
    "search_objects",
    "sightings_of",
]

# Loaded on first use (gotong.core.exports says why).
__getattr__ = lazy_exports(
    __name__,
    {
        "gotong.correlation.normalise": ["normalise"],
        "gotong.correlation.observables": ["Observable", "observables_of"],
        "gotong.correlation.service": [
            "acknowledge_alert",
            "acknowledgement_times",
            "alerts_of",
            "lookup_value",
            "register_webhook",
            "search_objects",
            "sightings_of",
        ],
    },
)
