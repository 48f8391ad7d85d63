"""The STIX 2.1 store: collections, object versions, envelopes and their status resources."""
