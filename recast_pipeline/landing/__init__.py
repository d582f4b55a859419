"""Landing: downloaded CSVs -> typed Parquet, staged and published atomically (no Dagster)."""
