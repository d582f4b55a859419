"""The fetch engine: run many Recast reports at once and land each as it finishes (no Dagster)."""
