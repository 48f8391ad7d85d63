"""The media types of the standards Gotong speaks, defined once for every part that sends or checks them."""

from __future__ import annotations

__all__ = ["STIX_MEDIA_TYPE", "TAXII_MEDIA_TYPE"]

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
"""TAXII 2.1 resources: envelopes, collections, manifests, status, errors on TAXII paths."""

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
"""STIX 2.1 content: the media type of a collection's objects and of bundles."""
