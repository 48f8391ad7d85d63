"""Organisations, users, roles and API tokens: who is asking."""
