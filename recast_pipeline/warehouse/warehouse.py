"""The warehouse: load a report partition in one transaction, read it back, query it.

Why one transaction per partition: re-materializing must replace exactly that partition's rows,
atomically; a crash mid-load must leave the previous data. A partition is ``(dashboard,
partition_key)``, whatever deployment computed it; what the transaction does is in ``load``.
All slow work (CSV parsing, Parquet writing) happened before, outside the writer lock (``lock``).

Where the tables live is the ``target`` (``targets``): the local DuckDB file (default; a new
file is written in the storage format of ``storage_version``, so DuckDB 1.x clients open it), or
a DuckLake (``ducklake:<catalog>``) whose writers on many machines commit concurrently; a
transaction that conflicts with another writer's is rolled back and run again (``conflicts``).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from recast_pipeline.config.settings import is_object_store
from recast_pipeline.landing.landed_types import LandedTable
from recast_pipeline.landing.naming import LINEAGE_COLUMNS, schema_name, table_identifier
from recast_pipeline.warehouse import maintenance, meta, options, refit
from recast_pipeline.warehouse.catalog import existing_tables, has_column, has_table, qualified
from recast_pipeline.warehouse.conflicts import retry_on_conflict
from recast_pipeline.warehouse.errors import WarehouseError
from recast_pipeline.warehouse.lake_access import enable_s3
from recast_pipeline.warehouse.load import check_inputs, write_partition
from recast_pipeline.warehouse.load_types import LoadResult, ReportLoad
from recast_pipeline.warehouse.lock import Deadline
from recast_pipeline.warehouse.schema import merge_incoming
from recast_pipeline.warehouse.targets.base import WarehouseTarget
from recast_pipeline.warehouse.targets.by_location import open_target

if TYPE_CHECKING:  # pandas costs ~0.3 s to import; DuckDB's .df() imports it when a frame is read
    import pandas as pd


class Warehouse:
    """A DuckDB file or a DuckLake, shared by parallel pipeline processes and analysts.

    ``location``: a DuckDB file, or ``ducklake:<catalog>`` (``ducklake_data_path``: where a new
    lake keeps its Parquet, default from ``RECAST_DUCKLAKE_DATA_PATH``). ``storage_version``:
    DuckDB storage compatibility of a new file (default from ``RECAST_DUCKDB_STORAGE_VERSION``,
    else ``v1.2.0``). ``history_versions``: superseded model versions kept per dashboard in the
    history tables (default from ``RECAST_HISTORY_VERSIONS``, else all; ``0`` keeps none).
    ``lock_timeout``: seconds a load waits for the file (or retries DuckLake conflicts).
    """

    def __init__(
        self,
        location: str | os.PathLike,
        lock_timeout: float = 120.0,
        *,
        storage_version: str | None = None,
        history_versions: int | None | str = None,
        ducklake_data_path: str | None = None,
    ):
        self.lock_timeout = lock_timeout
        self.storage_version = options.storage_version(storage_version)
        self.history_versions = options.history_versions(history_versions)
        self.target: WarehouseTarget = open_target(
            location, storage_version=self.storage_version, data_path=options.ducklake_data_path(ducklake_data_path)
        )
        self._shared_reader: list[duckdb.DuckDBPyConnection | None] = []  # set inside ``one_reader()``

    @property
    def path(self) -> Path:
        """The DuckDB file (the local target only; a DuckLake has no single file)."""
        if self.target.file_path is None:
            kind = {"motherduck": "MotherDuck", "ducklake": "a DuckLake"}.get(self.target.kind, self.target.kind)
            raise WarehouseError(f"the warehouse is {kind} ({self.target.describe()}), not a DuckDB file")
        return self.target.file_path

    @property
    def database_name(self) -> str:
        """How SQL names the warehouse's database (the file's stem, or ``lake``)."""
        return self.target.database_name

    def describe(self) -> str:
        """Where the warehouse is, for messages (a Postgres password never shows)."""
        return self.target.describe()

    def exists(self) -> bool:
        """Whether anything was ever written (the file, or the lake's catalog)."""
        return self.target.exists()

    def load_partition(self, report: ReportLoad, tables: Sequence[LandedTable]) -> LoadResult:
        """Replace the partition's rows with ``tables`` (staged or published files), atomically."""
        return self.load_partitions([(report, tables)])[0]

    def load_partitions(
        self,
        batch: Sequence[tuple[ReportLoad, Sequence[LandedTable]]],
        on_loaded: Callable[[int, LoadResult], None] | None = None,
    ) -> list[LoadResult]:
        """Replace each partition's rows, each in a transaction of its own, all on one writer connection.

        Why one connection: opening the file and its checkpoint on close cost more than a small
        partition's load, and a month close loads hundreds of them. ``on_loaded(index, result)`` runs
        right after each commit (the caller publishes that partition's Parquet there); a conflict
        retried on a lake resumes at the partition that conflicted."""
        prepared = []
        for report, tables in batch:
            tables = list(tables)
            check_inputs(report, tables)
            schema = schema_name(report.report_type)
            grouped: dict[str, list[LandedTable]] = {}
            for landed in tables:
                grouped.setdefault(landed.table, []).append(landed)
            incoming = {table: merge_incoming(schema, table, items) for table, items in grouped.items()}
            prepared.append((report, schema, grouped, incoming))
        on_object_store = any(is_object_store(landed.path) for _, tables in batch for landed in tables)
        deadline = Deadline(self.lock_timeout)
        results: list[LoadResult] = []

        def attempt() -> list[LoadResult]:
            with self.target.writer(deadline) as con:
                waited = deadline.waited
                if on_object_store:  # published on object storage
                    enable_s3(con)
                self.target.prepare_writer(con)
                for report, schema, grouped, incoming in prepared[len(results) :]:
                    con.execute("BEGIN TRANSACTION")
                    try:
                        result = write_partition(
                            con,
                            report,
                            schema,
                            grouped,
                            incoming,
                            history_versions=self.history_versions,
                            waited=waited,
                        )
                        con.execute("COMMIT")
                    except BaseException:
                        _rollback(con)
                        raise
                    results.append(result)
                    if on_loaded is not None:
                        on_loaded(len(results) - 1, result)
            return results

        if not self.target.retries_conflicts:
            return attempt()
        return retry_on_conflict(attempt, deadline, self.target.describe(), self.target.max_attempts)

    def maintain(
        self,
        retention_days: float | None = None,
        cleanup_after: timedelta = maintenance.DEFAULT_CLEANUP_AFTER,
    ) -> maintenance.MaintenanceReport:
        """One maintenance pass on the writer (``maintenance``): waits for a load, retries lake conflicts.

        ``retention_days``: DuckLake snapshots kept (default ``RECAST_LAKE_RETENTION_DAYS``, else 30)."""
        retention_days = options.lake_retention_days(retention_days)
        if not self.exists():
            return maintenance.MaintenanceReport(self.target.kind, ())
        deadline = Deadline(self.lock_timeout)

        def attempt() -> maintenance.MaintenanceReport:
            with self.target.writer(deadline) as con:
                return self.target.maintain(con, retention_days, cleanup_after)

        if not self.target.retries_conflicts:
            return attempt()
        return retry_on_conflict(attempt, deadline, self.target.describe(), self.target.max_attempts)

    @contextmanager
    def _reader(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """A read-only connection (waiting out a writer, bounded); None when nothing was written yet."""
        if self._shared_reader:
            yield self._shared_reader[0]
            return
        with self.target.reader(Deadline(self.lock_timeout)) as con:
            yield con

    @contextmanager
    def one_reader(self) -> Iterator[None]:
        """Every read inside the block shares one read-only connection.

        Why: opening the file costs more than a check's query, and a run's checks and an output's
        metadata make dozens of them. The block holds the file's read lock (a writer in another
        process waits, bounded by its lock timeout), so keep it to a step's reads."""
        if self._shared_reader:
            yield
            return
        with self.target.reader(Deadline(self.lock_timeout)) as con:
            self._shared_reader.append(con)
            try:
                yield
            finally:
                self._shared_reader.clear()

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """One read-only connection for several queries (charts, reports); None when nothing was written yet."""
        with self._reader() as con:
            yield con

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
                frame = _frame(
                    con.execute(
                        f"SELECT * FROM {qualified(schema, table)} WHERE dashboard = ? AND partition_key = ?",
                        [dashboard, partition_key],
                    )
                )
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
                raise WarehouseError(f"no warehouse at {self.describe()} yet: materialize something first")
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


def _frame(cursor) -> pd.DataFrame:
    """``cursor.df()``; DuckDB 1.5's conversion calls ``DataFrame.drop(inplace=True)``, which
    pandas 3.1 deprecates: that warning is DuckDB's to fix, not a call of ours."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword in DataFrame.drop is deprecated")
        return cursor.df()


def _rollback(con) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # the connection is gone; DuckDB discards the uncommitted transaction anyway
