"""The STIX 2.1 store: collections, object versions, envelopes and their status resources.

The verbs adapters call take the principal that asks (``actor``) and apply the sharing rules
themselves; see :mod:`gotong.intel.service`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gotong.intel.service import (
        ReceiptBook,
        collection_for,
        collections_for,
        delete_object,
        object_provenance,
        read_manifest,
        read_object,
        read_objects,
        read_versions,
    )

__all__ = [
    "ReceiptBook",
    "collection_for",
    "collections_for",
    "delete_object",
    "object_provenance",
    "read_manifest",
    "read_object",
    "read_objects",
    "read_versions",
]

# Loaded on first use: the domains still import each other's modules in cycles, which importing
# the verbs here, while the package initialises, would close (issue 11 item 4 removes them).
_WHERE = {
    "ReceiptBook": "gotong.intel.service",
    "collection_for": "gotong.intel.service",
    "collections_for": "gotong.intel.service",
    "delete_object": "gotong.intel.service",
    "object_provenance": "gotong.intel.service",
    "read_manifest": "gotong.intel.service",
    "read_object": "gotong.intel.service",
    "read_objects": "gotong.intel.service",
    "read_versions": "gotong.intel.service",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
