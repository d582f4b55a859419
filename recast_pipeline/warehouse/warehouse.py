"""The DuckDB warehouse: load a report partition in one transaction, read it back, query it.

Why one transaction per partition: re-materializing must replace exactly that partition's rows,
atomically; a crash mid-load must leave the previous data. A partition is ``(dashboard,
partition_key)``, whatever deployment computed it. The transaction deletes the
partition's rows from every table of the report type's schema (so keys that disappeared leave
nothing behind), evolves the tables (``schema``), inserts the landed Parquet files by name, and
records ``recast_meta``. All slow work (CSV parsing, Parquet writing) happened before, outside
the writer lock (``lock``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from recast_pipeline.landing.models import LandedTable, utc_now
from recast_pipeline.landing.naming import LINEAGE_COLUMNS, quote_identifier, schema_name, table_identifier
from recast_pipeline.warehouse import meta, migrate
from recast_pipeline.warehouse.errors import WarehouseError
from recast_pipeline.warehouse.lock import Deadline, connect, writer_lock
from recast_pipeline.warehouse.models import LoadResult, ReportLoad, TableLoad
from recast_pipeline.warehouse.schema import TablePlan, ddl, insert_sql, merge_incoming, plan_table


# Without insertion order DuckDB writes big inserts straight to their final blocks in parallel
# instead of through the WAL plus a checkpoint at close: loads take about half the time (and
# the lock is held half as long). Row order in tables is unspecified anyway; use ORDER BY.
_WRITER_CONFIG: dict[str, object] = {"preserve_insertion_order": False}


class Warehouse:
    """A DuckDB file shared by parallel pipeline processes and analysts."""

    def __init__(self, path: str | Path, lock_timeout: float = 120.0):
        self.path = Path(path)
        self.lock_timeout = lock_timeout

    def load_partition(self, report: ReportLoad, tables: Sequence[LandedTable]) -> LoadResult:
        """Replace the partition's rows with ``tables`` (staged or published files), atomically."""
        tables = list(tables)
        _check_inputs(report, tables)
        schema = schema_name(report.report_type)
        grouped: dict[str, list[LandedTable]] = {}
        for landed in tables:
            grouped.setdefault(landed.table, []).append(landed)
        incoming = {table: merge_incoming(schema, table, items) for table, items in grouped.items()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = Deadline(self.lock_timeout)
        with writer_lock(self.path, deadline):
            con = connect(self.path, read_only=False, deadline=deadline, config=_WRITER_CONFIG)
            waited = deadline.waited
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    result = self._write(con, report, schema, grouped, incoming, waited)
                    con.execute("COMMIT")
                except BaseException:
                    _rollback(con)
                    raise
            finally:
                con.close()
        return result

    def _write(self, con, report, schema, grouped, incoming, waited) -> LoadResult:
        meta.ensure_meta(con)
        migrate.add_partition_columns(con)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(schema)}")
        existing = _existing_tables(con, schema)
        replaced = 0
        for table, columns in existing.items():
            if {"dashboard", "partition_key"} <= columns.keys():
                replaced += con.execute(
                    f"DELETE FROM {_qualified(schema, table)} WHERE dashboard = ? AND partition_key = ?",
                    [report.dashboard, report.partition_key],
                ).fetchone()[0]
        meta.forget_partition(con, schema, report.dashboard, report.partition_key)

        def is_empty(table: str):
            return lambda column: con.execute(
                f"SELECT count({quote_identifier(column)}) = 0 FROM {_qualified(schema, table)}"
            ).fetchone()[0]

        plans: dict[str, TablePlan] = {
            table: plan_table(schema, table, incoming[table], existing.get(table), is_empty(table)) for table in grouped
        }
        for plan in plans.values():
            for statement in ddl(schema, plan):
                con.execute(statement)
        loads = []
        for table, items in grouped.items():
            for landed in items:
                inserted = con.execute(insert_sql(schema, plans[table], landed)).fetchone()[0]
                if inserted != landed.rows:
                    raise WarehouseError(
                        f"{landed.path} holds {inserted} rows but {landed.rows} were landed; nothing was loaded"
                    )
                loads.append(TableLoad(landed.download_key, table, _qualified(schema, table), inserted, str(landed.final_path)))
        all_tables = [landed for items in grouped.values() for landed in items]
        recorded_at = utc_now()
        stamps = {landed.lineage.loaded_at for landed in all_tables}
        loaded_at = stamps.pop() if len(stamps) == 1 else recorded_at
        rows = sum(load.rows for load in loads)
        meta.record_report(con, report=report, schema=schema, rows=rows, downloads=len(loads), loaded_at=loaded_at)
        meta.record_downloads(
            con, report=report, schema=schema, tables=all_tables, load_id=uuid.uuid4().hex,
            recorded_at=recorded_at, loaded_at=loaded_at,
        )
        for table in grouped:
            meta.refresh_columns(con, schema, table, incoming[table], recorded_at)
        return LoadResult(
            report_id=report.report_id,
            report_type=report.report_type,
            schema=schema,
            dashboard=report.dashboard,
            deployment_id=report.deployment_id,
            model_date=report.model_date,
            partition_key=report.partition_key,
            downloads=tuple(loads),
            rows=rows,
            replaced_rows=replaced,
            created_tables=tuple(plan.table for plan in plans.values() if plan.create),
            added_columns=tuple(f"{plan.table}.{spec.name}" for plan in plans.values() for spec in plan.added),
            altered_columns=tuple(
                f"{plan.table}.{name}: {old} -> {new}" for plan in plans.values() for name, old, new in plan.altered
            ),
            lock_wait_seconds=waited,
        )

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
            if con is None or not _has_column(con, meta.META_SCHEMA, "downloads", "dashboard"):
                return frames  # nothing loaded yet, or a file from before dashboards (next load migrates it)
            for table in meta.partition_tables(con, schema, dashboard, partition_key):
                frame = con.execute(
                    f"SELECT * FROM {_qualified(schema, table)} WHERE dashboard = ? AND partition_key = ?",
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
            return sorted(_existing_tables(con, schema_name(report_type)))

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
            if con is None or not _has_table(con, meta.META_SCHEMA, "load_history"):
                return []
            return meta.column_history(con, schema_name(report_type), table_identifier(table), limit)

    def previous_columns(self, report_type: str, table: str) -> tuple[str, ...] | None:
        """Data columns of the load before the latest one of ``table``; None without one."""
        history = self.column_history(report_type, table, limit=2)
        return history[1].columns if len(history) == 2 else None


def _qualified(schema: str, table: str) -> str:
    return f"{quote_identifier(schema)}.{quote_identifier(table)}"


def _existing_tables(con, schema: str) -> dict[str, dict[str, str]]:
    rows = con.execute(
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
        "WHERE c.table_schema = ? AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position",
        [schema],
    ).fetchall()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type
    return tables


def _has_table(con, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, table]
        ).fetchone()[0]
    )


def _has_column(con, schema: str, table: str, column: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND column_name = ?",
            [schema, table, column],
        ).fetchone()[0]
    )


def _check_inputs(report: ReportLoad, tables: Sequence[LandedTable]) -> None:
    seen: set[str] = set()
    for landed in tables:
        lineage = landed.lineage
        if (lineage.dashboard, lineage.deployment_id, lineage.model_date, lineage.partition_key, lineage.report_id) != (
            report.dashboard, report.deployment_id, report.model_date, report.partition_key, report.report_id,
        ):
            raise ValueError(f"download {landed.download_key!r} was landed for another report or partition")
        if landed.download_key in seen:
            raise ValueError(f"download {landed.download_key!r} appears twice")
        seen.add(landed.download_key)
        if not landed.path.exists():
            raise FileNotFoundError(f"landed file of download {landed.download_key!r} is missing: {landed.path}")


def _rollback(con) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # the connection is gone; DuckDB discards the uncommitted transaction anyway
