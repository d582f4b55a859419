"""Recast Insights API as a Dagster data source, landed in a local DuckDB warehouse."""

__version__ = "0.1.0"
