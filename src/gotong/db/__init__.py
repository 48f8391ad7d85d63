"""Storage: the engine, the tables' shared metadata and the migrations. SQLite by default, PostgreSQL by URL."""
