"""Feeds in and out: importers of external feeds and exporters of intelligence to other tools."""
