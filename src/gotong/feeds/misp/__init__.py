"""MISP events and MISP feeds to STIX 2.1 and back: the interface the CLI and the feed scheduler use.

``misp_event_to_stix`` converts one event, ``read_misp_feed`` a feed folder (manifest.json, one file per
event, hashes.csv), ``stix_to_misp_event`` goes back for exports. The conversion is MISP's own (misp-stix);
the modules of this package around it say what each holds:

- ``converter``: the one place that calls misp-stix, both ways;
- ``event_checks``: a MISP event checked before conversion (what cannot be converted is reported);
- ``event_to_stix``: one MISP event to storable STIX, a line for everything left out;
- ``markings``: TLP 2.0 markings on what an event becomes;
- ``feed_folder``: a MISP feed folder read (manifest.json, event files, hashes.csv);
- ``stix_to_event``: STIX back to MISP events, for exports and the served feed;
- ``served_feed`` and ``routes``: what an organisation may see, served as a MISP feed.
"""

from __future__ import annotations

from gotong.feeds.misp.event_to_stix import Converted, misp_event_to_stix
from gotong.feeds.misp.feed_folder import read_misp_feed
from gotong.feeds.misp.stix_to_event import stix_to_misp_event

__all__ = ["Converted", "misp_event_to_stix", "read_misp_feed", "stix_to_misp_event"]
