"""The body of one load transaction: replace a partition's rows and everything that describes them.

Order inside the transaction (the caller holds the writer lock and commits or rolls back):
1. bring an older file up to date (``migrate``) and make sure ``recast_meta`` exists;
2. for every table of the report type's schema, copy the partition's rows of another model
   version into history (``history``);
3. evolve the tables (``schema``; a column counts as empty when only this partition's rows
   fill it), then delete the partition's rows, whatever deployment produced them, forget its
   ``recast_meta`` rows, and insert the landed Parquet files by name. ALTERs come before the
   DELETEs: DuckDB 1.x refuses to commit an ALTER TABLE after a DELETE on the same table;
4. replace the partition's rows in ``recast_marts`` (``marts``: each download read in the layout it
   came in), record ``recast_meta``, comment the tables and columns (``comments``), rebuild the
   refit view.

Every statement of the transaction runs on ``LiteralParameters(con)``: its values travel as SQL
literals, never as bound Python objects (``literals`` says why).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from recast_pipeline.landing.landed_types import LandedTable, utc_now
from recast_pipeline.landing.naming import quote_identifier
from recast_pipeline.warehouse import comments, history, marts, meta, migrate, refit
from recast_pipeline.warehouse.catalog import existing_tables, is_lakehouse, qualified
from recast_pipeline.warehouse.errors import WarehouseError
from recast_pipeline.warehouse.literals import LiteralParameters
from recast_pipeline.warehouse.load_types import LoadResult, ReportLoad, TableLoad
from recast_pipeline.warehouse.schema import ColumnSpec, TablePlan, ddl, insert_sql, plan_table

if TYPE_CHECKING:
    import duckdb


def check_inputs(report: ReportLoad, tables: Sequence[LandedTable]) -> None:
    """Every file belongs to this report and partition, once, and still exists."""
    seen: set[str] = set()
    for landed in tables:
        lineage = landed.lineage
        if (lineage.dashboard, lineage.deployment_id, lineage.model_date, lineage.partition_key, lineage.report_id) != (
            report.dashboard,
            report.deployment_id,
            report.model_date,
            report.partition_key,
            report.report_id,
        ):
            raise ValueError(f"download {landed.download_key!r} was landed for another report or partition")
        if landed.download_key in seen:
            raise ValueError(f"download {landed.download_key!r} appears twice")
        seen.add(landed.download_key)
        if isinstance(landed.path, Path) and not landed.path.exists():  # an s3:// file is read by the load itself
            raise FileNotFoundError(f"landed file of download {landed.download_key!r} is missing: {landed.path}")


def write_partition(
    con,
    report: ReportLoad,
    schema: str,
    grouped: Mapping[str, list[LandedTable]],
    incoming: Mapping[str, list[ColumnSpec]],
    *,
    history_versions: int | None,
    waited: float,
) -> LoadResult:
    con = LiteralParameters(con)
    meta.ensure_meta(cast("duckdb.DuckDBPyConnection", con))  # a proxy: the connection's attributes
    migrate.add_partition_columns(con)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(schema)}")
    existing = existing_tables(con, schema)
    superseded, archived = _archive(con, report, schema, existing, history_versions)
    plans = _evolve(con, report, schema, grouped, incoming, existing)
    replaced = _clear_partition(con, report, schema, existing, history_versions)
    loads = _insert(con, schema, grouped, plans)
    rows = sum(load.rows for load in loads)
    all_tables = [landed for items in grouped.values() for landed in items]
    recorded_at = utc_now()
    stamps = {landed.lineage.loaded_at for landed in all_tables}
    loaded_at = stamps.pop() if len(stamps) == 1 else recorded_at
    layouts = {landed.download_key: marts.layout_of(landed, report.channels) for landed in all_tables}
    unread = marts.replace_partition(
        con,
        report,
        schema,
        [(landed, layouts[landed.download_key]) for landed in all_tables],
        history_versions=history_versions,
        superseded_at=recorded_at,
        loaded_at=loaded_at,
    )
    meta.record_report(con, report=report, schema=schema, rows=rows, downloads=len(loads), loaded_at=loaded_at)
    meta.record_downloads(
        con,
        report=report,
        schema=schema,
        tables=all_tables,
        load_id=uuid.uuid4().hex,
        recorded_at=recorded_at,
        loaded_at=loaded_at,
        layouts={k: layout.kind for k, layout in layouts.items()},
        notes=unread,
    )
    for table in grouped:
        meta.refresh_columns(con, schema, table, incoming[table], recorded_at)
    _document(con, report, schema, grouped, archived)
    refit.refresh_view(con)
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
        superseded_rows=superseded,
        layouts={k: layout.kind for k, layout in layouts.items()},
        unread=unread,
    )


def _archive(con, report, schema, existing, history_versions) -> tuple[int, list[str]]:
    """Copy other model versions' rows of the partition into history: (rows archived, tables)."""
    superseded = 0
    archived: list[str] = []
    superseded_at = utc_now()
    for table, columns in existing.items():
        if history_versions == 0 or not {"dashboard", "partition_key"} <= columns.keys():
            continue
        moved = history.archive(con, schema, table, columns, report, superseded_at)
        superseded += moved
        if moved:
            archived.append(table)
    return superseded, archived


def _clear_partition(con, report, schema, existing, history_versions) -> int:
    """Delete the partition's rows (already archived) and its ``recast_meta`` rows: rows deleted."""
    replaced = 0
    for table, columns in existing.items():
        if not {"dashboard", "partition_key"} <= columns.keys():
            continue
        replaced += con.execute(
            f"DELETE FROM {qualified(schema, table)} WHERE dashboard = ? AND partition_key = ?",
            [report.dashboard, report.partition_key],
        ).fetchone()[0]
    history.prune(con, schema, report.dashboard, history_versions)
    meta.forget_partition(con, schema, report.dashboard, report.partition_key)
    return replaced


def _evolve(con, report, schema, grouped, incoming, existing) -> dict[str, TablePlan]:
    def is_empty(table: str):
        """Whether a column holds no value outside this partition (whose rows are about to go)."""
        others = (
            " WHERE (dashboard, partition_key) IS DISTINCT FROM (?, ?)"
            if {"dashboard", "partition_key"} <= existing.get(table, {}).keys()
            else ""
        )
        params = [report.dashboard, report.partition_key] if others else []
        return lambda column: con.execute(
            f"SELECT count({quote_identifier(column)}) = 0 FROM {qualified(schema, table)}{others}", params
        ).fetchone()[0]

    plans = {
        table: plan_table(schema, table, incoming[table], existing.get(table), is_empty(table)) for table in grouped
    }
    lakehouse = is_lakehouse(con)
    for plan in plans.values():
        for statement in ddl(schema, plan, lakehouse=lakehouse):
            con.execute(statement)
    return plans


def _insert(con, schema, grouped, plans) -> list[TableLoad]:
    loads = []
    for table, items in grouped.items():
        for landed in items:
            inserted = con.execute(insert_sql(schema, plans[table], landed)).fetchone()[0]
            if inserted != landed.rows:
                raise WarehouseError(
                    f"{landed.path} holds {inserted} rows but {landed.rows} were landed; nothing was loaded"
                )
            loads.append(
                TableLoad(landed.download_key, table, qualified(schema, table), inserted, str(landed.final_path))
            )
    return loads


def _document(con, report, schema, grouped, archived) -> None:
    for table, items in grouped.items():
        comments.document_table(
            con, schema, table, comments.table_comment(report.report_type, items, report.descriptions)
        )
    kept = history.history_schema(schema)
    for table in archived:
        comments.document_table(
            con,
            kept,
            table,
            f"Earlier model versions of {schema}.{table}: rows that a re-load from another model version "
            "(deployment_id, model_date) replaced; superseded_at says when.",
            columns_of=schema,
        )
    comments.document_schema(
        con,
        schema,
        report.report_type,
        "report",
        f"Recast report type {report.report_type}: one table per download (or download key pattern); "
        "each partition is (dashboard, partition_key), from the model version in deployment_id and model_date.",
    )
    if archived:
        comments.document_schema(
            con,
            kept,
            report.report_type,
            "history",
            f"Superseded model versions of the tables in {schema}, same table names, plus superseded_at.",
        )
