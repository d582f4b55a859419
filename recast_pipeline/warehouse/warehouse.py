"""The DuckDB warehouse: load a report partition in one transaction, read it back, query it.

Why one transaction per partition: re-materializing must replace exactly that partition's rows,
atomically; a crash mid-load must leave the previous data. A partition is ``(dashboard,
partition_key)``, whatever deployment computed it; what the transaction does is in ``load``.
All slow work (CSV parsing, Parquet writing) happened before, outside the writer lock (``lock``).

A new file is written in the storage format of ``storage_version`` (``config``), so DuckDB 1.x
clients open it; an existing file keeps its format.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from recast_pipeline.landing.models import LandedTable
from recast_pipeline.landing.naming import LINEAGE_COLUMNS, schema_name, table_identifier
from recast_pipeline.warehouse import config, meta, refit
from recast_pipeline.warehouse.catalog import existing_tables, has_column, has_table, qualified
from recast_pipeline.warehouse.errors import WarehouseError
from recast_pipeline.warehouse.load import check_inputs, write_partition
from recast_pipeline.warehouse.lock import Deadline, connect, writer_lock
from recast_pipeline.warehouse.models import LoadResult, ReportLoad
from recast_pipeline.warehouse.schema import merge_incoming

if TYPE_CHECKING:  # pandas costs ~0.3 s to import; DuckDB's .df() imports it when a frame is read
    import pandas as pd

# Without insertion order DuckDB writes big inserts straight to their final blocks in parallel
# instead of through the WAL plus a checkpoint at close: loads take about half the time (and
# the lock is held half as long). Row order in tables is unspecified anyway; use ORDER BY.
_WRITER_CONFIG: dict[str, object] = {"preserve_insertion_order": False}


class Warehouse:
    """A DuckDB file shared by parallel pipeline processes and analysts.

    ``storage_version``: DuckDB storage compatibility of a new file (default from
    ``RECAST_DUCKDB_STORAGE_VERSION``, else ``v1.2.0``). ``history_versions``: superseded model
    versions kept per dashboard in the history tables (default from ``RECAST_HISTORY_VERSIONS``,
    else all; ``0`` keeps none).
    """

    def __init__(
        self,
        path: str | Path,
        lock_timeout: float = 120.0,
        *,
        storage_version: str | None = None,
        history_versions: int | None | str = None,
    ):
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self.storage_version = config.storage_version(storage_version)
        self.history_versions = config.history_versions(history_versions)

    def load_partition(self, report: ReportLoad, tables: Sequence[LandedTable]) -> LoadResult:
        """Replace the partition's rows with ``tables`` (staged or published files), atomically."""
        tables = list(tables)
        check_inputs(report, tables)
        schema = schema_name(report.report_type)
        grouped: dict[str, list[LandedTable]] = {}
        for landed in tables:
            grouped.setdefault(landed.table, []).append(landed)
        incoming = {table: merge_incoming(schema, table, items) for table, items in grouped.items()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = Deadline(self.lock_timeout)
        writer_config = {**_WRITER_CONFIG, "storage_compatibility_version": self.storage_version}
        with writer_lock(self.path, deadline):
            con = connect(self.path, read_only=False, deadline=deadline, config=writer_config)
            waited = deadline.waited
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    result = write_partition(
                        con, report, schema, grouped, incoming, history_versions=self.history_versions, waited=waited
                    )
                    con.execute("COMMIT")
                except BaseException:
                    _rollback(con)
                    raise
            finally:
                con.close()
        return result

    @contextmanager
    def _reader(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """A read-only connection (waiting out a writer, bounded); None when no file exists yet."""
        if not self.path.exists():
            yield None
            return
        con = connect(self.path, read_only=True, deadline=Deadline(self.lock_timeout))
        try:
            yield con
        finally:
            con.close()

    def read_partition(
        self, report_type: str, dashboard: str, partition_key: str, *, include_lineage: bool = True
    ) -> dict[str, pd.DataFrame]:
        """The partition's rows of every table it loaded, by table identifier."""
        schema = schema_name(report_type)
        frames: dict[str, pd.DataFrame] = {}
        with self._reader() as con:
            if con is None or not has_column(con, meta.META_SCHEMA, "downloads", "dashboard"):
                return frames  # nothing loaded yet, or a file from before dashboards (next load migrates it)
            for table in meta.partition_tables(con, schema, dashboard, partition_key):
                frame = con.execute(
                    f"SELECT * FROM {qualified(schema, table)} WHERE dashboard = ? AND partition_key = ?",
                    [dashboard, partition_key],
                ).df()
                if not include_lineage:
                    frame = frame.drop(columns=[c for c in LINEAGE_COLUMNS if c in frame.columns])
                frames[table] = frame
        return frames

    def tables(self, report_type: str) -> list[str]:
        """Table identifiers in the report type's schema (empty when nothing was loaded)."""
        with self._reader() as con:
            if con is None:
                return []
            return sorted(existing_tables(con, schema_name(report_type)))

    def query(self, sql: str, params: Sequence[Any] | None = None) -> tuple[list[str], list[tuple]]:
        """Run SQL on a read-only connection: (column names, rows). For the CLI and checks."""
        with self._reader() as con:
            if con is None:
                raise WarehouseError(f"no warehouse at {self.path} yet: materialize something first")
            cursor = con.execute(sql, params or [])
            columns = [d[0] for d in cursor.description] if cursor.description else []
            return columns, cursor.fetchall()

    def column_history(self, report_type: str, table: str, limit: int = 2) -> list[meta.ColumnSnapshot]:
        """Newest first, the data columns each load brought to a table (identifier or logical name)."""
        with self._reader() as con:
            if con is None or not has_table(con, meta.META_SCHEMA, "load_history"):
                return []
            return meta.column_history(con, schema_name(report_type), table_identifier(table), limit)

    def previous_columns(self, report_type: str, table: str) -> tuple[str, ...] | None:
        """Data columns of the load before the latest one of ``table``; None without one."""
        history = self.column_history(report_type, table, limit=2)
        return history[1].columns if len(history) == 2 else None

    def refit_changes(self, dashboard: str, limit: int = 10) -> list[dict[str, Any]]:
        """The largest changes of the dashboard's latest refit (rows of ``recast_meta.refit_changes``,
        largest relative change first); empty before any refit."""
        with self._reader() as con:
            if con is None or not has_table(con, meta.META_SCHEMA, "refit_changes"):
                return []
            return refit.largest_changes(con, dashboard, limit)


def _rollback(con) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # the connection is gone; DuckDB discards the uncommitted transaction anyway
