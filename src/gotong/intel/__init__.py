"""The STIX 2.1 store: collections, object versions, envelopes and their status resources.

The verbs adapters call take the principal that asks (``actor``) and apply the sharing rules
themselves; see :mod:`gotong.intel.service`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gotong.core.exports import lazy_exports

if TYPE_CHECKING:
    from gotong.intel.service import (
        ReceiptBook,
        collection_for,
        collections_for,
        delete_object,
        read_manifest,
        read_object,
        read_objects,
        read_versions,
        writable_collections_for,
    )

__all__ = [
    "ReceiptBook",
    "collection_for",
    "collections_for",
    "delete_object",
    "read_manifest",
    "read_object",
    "read_objects",
    "read_versions",
    "writable_collections_for",
]

# Loaded on first use (gotong.core.exports says why).
__getattr__ = lazy_exports(__name__, {"gotong.intel.service": __all__})
