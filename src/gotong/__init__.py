"""Gotong: threat-intelligence exchange and coordination for regional networks of national CERTs."""

__version__ = "0.1.0"
