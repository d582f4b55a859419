"""Landing: downloaded CSVs -> typed Parquet, staged and published atomically (no Dagster)."""

from recast_pipeline.landing.diagnose import MalformedCsvError
from recast_pipeline.landing.models import LandedColumn, LandedTable, Lineage, ParquetFile
from recast_pipeline.landing.naming import (
    LINEAGE_COLUMNS,
    normalize_column,
    normalize_columns,
    safe_name,
    safe_segment,
    schema_name,
    table_identifier,
)
from recast_pipeline.landing.parquet import csv_to_parquet
from recast_pipeline.landing.staging import LandingArea, LandingStore, Stage

__all__ = [
    "LINEAGE_COLUMNS",
    "LandedColumn",
    "LandedTable",
    "LandingArea",
    "LandingStore",
    "Lineage",
    "MalformedCsvError",
    "ParquetFile",
    "Stage",
    "csv_to_parquet",
    "normalize_column",
    "normalize_columns",
    "safe_name",
    "safe_segment",
    "schema_name",
    "table_identifier",
]
