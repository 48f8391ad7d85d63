"""STIX 2.1 knowledge: identifiers, timestamps, validation, markings. No storage and no I/O here."""
