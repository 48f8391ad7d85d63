"""Sharing rules: TLP 2.0 markings, audiences (sharing groups) and the one visibility decision."""
