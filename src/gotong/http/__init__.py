"""Shared HTTP pieces of the adapters: dependencies (engine, settings, principal), error mapping."""
