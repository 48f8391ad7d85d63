"""Federation: nodes exchanging intelligence with their peers, the sharing rules enforced by the sender;
and the provenance of what a node holds (who submitted it, which peer it came from)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gotong.core.exports import lazy_exports

if TYPE_CHECKING:
    from gotong.federation.provenance import THROUGH_HUB, Provenance, object_provenance

__all__ = ["THROUGH_HUB", "Provenance", "object_provenance"]

# Loaded on first use (gotong.core.exports says why).
__getattr__ = lazy_exports(__name__, {"gotong.federation.provenance": __all__})
