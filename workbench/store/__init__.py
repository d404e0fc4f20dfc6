"""The DuckDB store: schema and migrations, connections under the process rule, audit, summary."""
