"""Storage: engine, shared table metadata and migrations. SQLite by default, PostgreSQL by URL."""
