"""Storage: the DuckDB connection, migrations and the catalog of what is stored."""
