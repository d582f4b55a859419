"""The warehouse (a DuckDB file or a DuckLake): one short write transaction per partition, many readers (no Dagster)."""

from recast_pipeline.warehouse.config import (
    DEFAULT_STORAGE_VERSION,
    HISTORY_VERSIONS_ENV,
    STORAGE_VERSION_ENV,
)
from recast_pipeline.warehouse.errors import (
    SchemaConflictError,
    WarehouseBusyError,
    WarehouseConflictError,
    WarehouseError,
)
from recast_pipeline.warehouse.meta import META_SCHEMA, ColumnSnapshot
from recast_pipeline.warehouse.history import HISTORY_SUFFIX, history_schema
from recast_pipeline.warehouse.models import LoadResult, ReportLoad, TableLoad
from recast_pipeline.warehouse.refit import VIEW as REFIT_CHANGES_VIEW
from recast_pipeline.warehouse.warehouse import Warehouse

__all__ = [
    "DEFAULT_STORAGE_VERSION",
    "HISTORY_SUFFIX",
    "HISTORY_VERSIONS_ENV",
    "REFIT_CHANGES_VIEW",
    "STORAGE_VERSION_ENV",
    "history_schema",
    "META_SCHEMA",
    "ColumnSnapshot",
    "LoadResult",
    "ReportLoad",
    "SchemaConflictError",
    "TableLoad",
    "Warehouse",
    "WarehouseBusyError",
    "WarehouseConflictError",
    "WarehouseError",
]
