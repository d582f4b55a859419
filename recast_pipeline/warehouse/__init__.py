"""The warehouse (a DuckDB file or a DuckLake): one short write transaction per partition, many readers (no Dagster)."""
