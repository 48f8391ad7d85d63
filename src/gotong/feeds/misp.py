"""MISP events and MISP feeds to STIX 2.1 and back: the interface the CLI and the feed scheduler use.

``misp_event_to_stix`` converts one event, ``read_misp_feed`` a feed folder (manifest.json, one file per
event, hashes.csv), ``stix_to_misp_event`` goes back for exports. The conversion is MISP's own (misp-stix);
the ``misp_*`` modules around it check its input, mark TLP, drop what does not validate and report it.
"""

from __future__ import annotations

from gotong.feeds.misp_event import Converted, misp_event_to_stix
from gotong.feeds.misp_export import stix_to_misp_event
from gotong.feeds.misp_feed import read_misp_feed

__all__ = ["Converted", "misp_event_to_stix", "read_misp_feed", "stix_to_misp_event"]
