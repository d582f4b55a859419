"""The warehouse (a DuckDB file or a DuckLake): one short write transaction per partition, many readers (no Dagster)."""

from typing import TYPE_CHECKING

from recast_pipeline.lazy_exports import lazy_exports

if TYPE_CHECKING:  # what type checkers and readers see; at run time each name loads on first use
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
    from recast_pipeline.warehouse.marts import MARTS_SCHEMA
    from recast_pipeline.warehouse.meta import META_SCHEMA, ColumnSnapshot
    from recast_pipeline.warehouse.history import HISTORY_SUFFIX, history_schema
    from recast_pipeline.warehouse.models import LoadResult, ReportLoad, TableLoad
    from recast_pipeline.warehouse.refit import VIEW as REFIT_CHANGES_VIEW
    from recast_pipeline.warehouse.warehouse import Warehouse

# Public names, imported on first use (PEP 562): the code location needs only the settings at
# definition time; the warehouse (and DuckDB) loads when a run or check first opens it.
_EXPORTS = {
    "DEFAULT_STORAGE_VERSION": ("config", "DEFAULT_STORAGE_VERSION"),
    "HISTORY_VERSIONS_ENV": ("config", "HISTORY_VERSIONS_ENV"),
    "STORAGE_VERSION_ENV": ("config", "STORAGE_VERSION_ENV"),
    "SchemaConflictError": ("errors", "SchemaConflictError"),
    "WarehouseBusyError": ("errors", "WarehouseBusyError"),
    "WarehouseConflictError": ("errors", "WarehouseConflictError"),
    "WarehouseError": ("errors", "WarehouseError"),
    "MARTS_SCHEMA": ("marts", "MARTS_SCHEMA"),
    "META_SCHEMA": ("meta", "META_SCHEMA"),
    "ColumnSnapshot": ("meta", "ColumnSnapshot"),
    "HISTORY_SUFFIX": ("history", "HISTORY_SUFFIX"),
    "history_schema": ("history", "history_schema"),
    "LoadResult": ("models", "LoadResult"),
    "ReportLoad": ("models", "ReportLoad"),
    "TableLoad": ("models", "TableLoad"),
    "REFIT_CHANGES_VIEW": ("refit", "VIEW"),
    "Warehouse": ("warehouse", "Warehouse"),
}
__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
