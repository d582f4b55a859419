"""The DuckDB warehouse: one short write transaction per partition, many readers (no Dagster)."""

from recast_pipeline.warehouse.errors import SchemaConflictError, WarehouseBusyError, WarehouseError
from recast_pipeline.warehouse.meta import META_SCHEMA, ColumnSnapshot
from recast_pipeline.warehouse.models import LoadResult, ReportLoad, TableLoad
from recast_pipeline.warehouse.warehouse import Warehouse

__all__ = [
    "META_SCHEMA",
    "ColumnSnapshot",
    "LoadResult",
    "ReportLoad",
    "SchemaConflictError",
    "TableLoad",
    "Warehouse",
    "WarehouseBusyError",
    "WarehouseError",
]
