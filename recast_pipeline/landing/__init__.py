"""Landing: downloaded CSVs -> typed Parquet, staged and published atomically (no Dagster)."""

from typing import TYPE_CHECKING

from recast_pipeline.lazy_exports import lazy_exports

if TYPE_CHECKING:  # what type checkers and readers see; at run time each name loads on first use
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

# Public names, imported on first use (PEP 562): the code location needs only the naming rules at
# definition time; the CSV -> Parquet path (and DuckDB) loads when a run first lands a download.
_EXPORTS = {
    "MalformedCsvError": ("diagnose", "MalformedCsvError"),
    "LandedColumn": ("models", "LandedColumn"),
    "LandedTable": ("models", "LandedTable"),
    "Lineage": ("models", "Lineage"),
    "ParquetFile": ("models", "ParquetFile"),
    "LINEAGE_COLUMNS": ("naming", "LINEAGE_COLUMNS"),
    "normalize_column": ("naming", "normalize_column"),
    "normalize_columns": ("naming", "normalize_columns"),
    "safe_name": ("naming", "safe_name"),
    "safe_segment": ("naming", "safe_segment"),
    "schema_name": ("naming", "schema_name"),
    "table_identifier": ("naming", "table_identifier"),
    "csv_to_parquet": ("parquet", "csv_to_parquet"),
    "LandingArea": ("staging", "LandingArea"),
    "LandingStore": ("staging", "LandingStore"),
    "Stage": ("staging", "Stage"),
}
__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
