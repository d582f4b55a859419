"""The warehouse (a DuckDB file or a DuckLake): one short write transaction per partition, many readers (no Dagster)."""

from importlib import import_module
from typing import TYPE_CHECKING

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


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(import_module(f"{__name__}.{module}"), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
