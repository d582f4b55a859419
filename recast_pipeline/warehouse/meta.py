"""The ``recast_meta`` schema: what was loaded, from which report, with which columns.

Why: analysts need to know where a row came from (report, form, timings) and what a column was
called in the CSV; asset checks need each table's column list per load to notice lost columns.

* ``reports``: one row per loaded partition (replaced when the partition is re-loaded);
* ``downloads``: one row per download of that partition: key, table, rows, Parquet path,
  description, its columns as JSON ``[{"name", "original", "type"}]`` (data columns), and its
  ``layout`` (wide, long or other, ``layouts.py``) with ``layout_note`` saying what was seen when
  a mart could not read it;
* ``columns``: one row per column of every warehouse table, with the original CSV header;
* ``load_history``: append-only, one row per download per load: the column history.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import duckdb

from recast_pipeline.landing.landed_types import LandedTable
from recast_pipeline.landing.naming import LINEAGE_COLUMNS, quote_identifier, quote_literal
from recast_pipeline.warehouse.catalog import table_columns
from recast_pipeline.warehouse.schema import ColumnSpec

META_SCHEMA = "recast_meta"

_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {META_SCHEMA};
CREATE TABLE IF NOT EXISTS {META_SCHEMA}.reports (
    report_id BIGINT, report_type VARCHAR, schema_name VARCHAR, dashboard VARCHAR, deployment_id BIGINT,
    model_date VARCHAR, partition_key VARCHAR,
    name VARCHAR, status VARCHAR, prerendered BOOLEAN, form JSON,
    created_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, queued_seconds DOUBLE, waited_seconds DOUBLE,
    download_count INTEGER, row_count BIGINT, loaded_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS {META_SCHEMA}.downloads (
    report_id BIGINT, report_type VARCHAR, dashboard VARCHAR, deployment_id BIGINT, model_date VARCHAR,
    partition_key VARCHAR, download_key VARCHAR,
    description VARCHAR, schema_name VARCHAR, table_name VARCHAR, logical_table VARCHAR, parts JSON,
    row_count BIGINT, parquet_path VARCHAR, columns JSON, loaded_at TIMESTAMPTZ, layout VARCHAR, layout_note VARCHAR);
CREATE TABLE IF NOT EXISTS {META_SCHEMA}.columns (
    schema_name VARCHAR, table_name VARCHAR, column_name VARCHAR, ordinal INTEGER, type VARCHAR,
    kind VARCHAR, original_header VARCHAR, updated_at TIMESTAMPTZ);
CREATE TABLE IF NOT EXISTS {META_SCHEMA}.load_history (
    load_id VARCHAR, recorded_at TIMESTAMPTZ, report_id BIGINT, report_type VARCHAR, dashboard VARCHAR,
    deployment_id BIGINT, model_date VARCHAR, partition_key VARCHAR, schema_name VARCHAR, table_name VARCHAR,
    download_key VARCHAR, row_count BIGINT,
    columns JSON, loaded_at TIMESTAMPTZ);
"""


@dataclass(frozen=True)
class ColumnSnapshot:
    """The data columns one load brought to a table (union over its downloads)."""

    report_id: int
    dashboard: str
    deployment_id: int
    partition_key: str
    loaded_at: datetime
    columns: tuple[str, ...]


# On a DuckLake, recast_meta's rows live in the catalog database (DuckLake's data inlining), not in
# Parquet files: every load deletes and inserts a few rows of each meta table, which as files would
# add a small Parquet file and a delete file per load that every later read fetches (reads of
# recast_meta grew with the number of loads). The report tables keep all their rows in Parquet.
META_INLINING_ROW_LIMIT = 100_000


def ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_DDL)
    if "layout" not in table_columns(con, META_SCHEMA, "downloads"):  # a file from before layouts were recorded
        for column in ("layout", "layout_note"):
            con.execute(f"ALTER TABLE {META_SCHEMA}.downloads ADD COLUMN IF NOT EXISTS {column} VARCHAR")


def inline_meta_in_lake(con: duckdb.DuckDBPyConnection) -> None:
    """Once per DuckLake, before a load's transaction (DuckLake sets no option on a schema the
    transaction creates): recast_meta's rows go to the catalog database."""
    lake = quote_identifier(cast(tuple, con.execute("SELECT current_database()").fetchone())[0])  # always one row
    inlined = con.execute(
        f"SELECT value FROM {lake}.options() WHERE option_name = 'data_inlining_row_limit' "
        f"AND scope = 'SCHEMA' AND scope_entry = {quote_literal(META_SCHEMA)}"
    ).fetchone()
    if inlined is None or int(inlined[0]) != META_INLINING_ROW_LIMIT:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {META_SCHEMA}")
        con.execute(
            f"CALL {lake}.set_option('data_inlining_row_limit', {META_INLINING_ROW_LIMIT}, schema => "
            f"{quote_literal(META_SCHEMA)})"
        )


def forget_partition(con: duckdb.DuckDBPyConnection, schema: str, dashboard: str, partition_key: str) -> None:
    """Drop the partition's report and download rows, whichever deployment produced them."""
    for table in ("reports", "downloads"):
        con.execute(
            f"DELETE FROM {META_SCHEMA}.{table} WHERE schema_name = ? AND dashboard = ? AND partition_key = ?",
            [schema, dashboard, partition_key],
        )


def _insert(con, table: str, values: dict[str, object], json_columns: tuple[str, ...] = ()) -> None:
    """INSERT by column name: files migrated from older versions have another column order."""
    names = ", ".join(values)
    marks = ", ".join("CAST(? AS JSON)" if name in json_columns else "?" for name in values)
    con.execute(f"INSERT INTO {META_SCHEMA}.{table} ({names}) VALUES ({marks})", list(values.values()))


def _columns_json(landed: LandedTable) -> str:
    return json.dumps(
        [{"name": c.name, "original": c.original, "type": c.duckdb_type} for c in landed.data_columns],
        ensure_ascii=False,
    )


def _identity(report: Any) -> dict[str, object]:
    return {
        "report_id": report.report_id,
        "report_type": report.report_type,
        "dashboard": report.dashboard,
        "deployment_id": report.deployment_id,
        "model_date": report.model_date,
        "partition_key": report.partition_key,
    }


def record_report(con, *, report: Any, schema: str, rows: int, downloads: int, loaded_at: datetime) -> None:
    _insert(
        con,
        "reports",
        {
            **_identity(report),
            "schema_name": schema,
            "name": report.name,
            "status": report.status,
            "prerendered": bool(report.prerendered),
            "form": json.dumps(dict(report.form), sort_keys=True, default=str, ensure_ascii=False),
            "created_at": report.created_at,
            "finished_at": report.finished_at,
            "queued_seconds": report.queued_seconds,
            "waited_seconds": report.waited_seconds,
            "download_count": downloads,
            "row_count": rows,
            "loaded_at": loaded_at,
        },
        json_columns=("form",),
    )


def record_downloads(
    con,
    *,
    report: Any,
    schema: str,
    tables: Sequence[LandedTable],
    load_id: str,
    recorded_at: datetime,
    loaded_at: datetime,
    layouts: Mapping[str, str] = {},
    notes: Mapping[str, str] = {},
) -> None:
    for landed in tables:
        columns = _columns_json(landed)
        common = {
            **_identity(report),
            "download_key": landed.download_key,
            "schema_name": schema,
            "table_name": landed.table,
            "row_count": landed.rows,
            "columns": columns,
            "loaded_at": loaded_at,
        }
        _insert(
            con,
            "downloads",
            {
                **common,
                "description": report.descriptions.get(landed.download_key),
                "logical_table": landed.logical_table,
                "parts": json.dumps(landed.parts, ensure_ascii=False),
                "parquet_path": str(landed.final_path),
                "layout": layouts.get(landed.download_key),
                "layout_note": notes.get(landed.download_key),
            },
            json_columns=("parts", "columns"),
        )
        _insert(
            con, "load_history", {**common, "load_id": load_id, "recorded_at": recorded_at}, json_columns=("columns",)
        )


def refresh_columns(con, schema: str, table: str, incoming: Sequence[ColumnSpec], updated_at: datetime) -> None:
    """Rewrite ``recast_meta.columns`` for one table from its actual columns, where they changed
    (``updated_at``: when a column's row last changed; most loads of a month close change none)."""
    current = con.execute(
        f"SELECT column_name, ordinal, type, kind, original_header FROM {META_SCHEMA}.columns "
        "WHERE schema_name = ? AND table_name = ? ORDER BY ordinal",
        [schema, table],
    ).fetchall()
    known = {name: (kind, original) for name, _, _, kind, original in current}
    known.update({spec.name: (spec.kind, spec.original) for spec in incoming})
    actual = table_columns(con, schema, table)
    wanted = [
        (name, ordinal, data_type, *known.get(name, ("lineage" if name in LINEAGE_COLUMNS else "data", None)))
        for ordinal, (name, data_type) in enumerate(actual.items(), start=1)
    ]
    if [tuple(row) for row in current] == wanted:
        return
    con.execute(f"DELETE FROM {META_SCHEMA}.columns WHERE schema_name = ? AND table_name = ?", [schema, table])
    con.executemany(
        f"INSERT INTO {META_SCHEMA}.columns VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [[schema, table, *row, updated_at] for row in wanted],
    )


def column_history(con, schema: str, table: str, limit: int) -> list[ColumnSnapshot]:
    """Newest first: the data columns each load brought to ``schema.table``."""
    rows = con.execute(
        "SELECT load_id, max(recorded_at) AS recorded, any_value(report_id), any_value(dashboard), "
        "any_value(deployment_id), "
        f"any_value(partition_key), max(loaded_at), list(CAST(columns AS VARCHAR)) "
        f"FROM {META_SCHEMA}.load_history WHERE schema_name = ? AND table_name = ? "
        f"GROUP BY load_id ORDER BY recorded DESC LIMIT ?",
        [schema, table, limit],
    ).fetchall()
    snapshots = []
    for _, _, report_id, dashboard, deployment_id, partition_key, loaded_at, documents in rows:
        names: dict[str, None] = {}
        for document in documents:
            names.update({column["name"]: None for column in json.loads(document)})
        snapshots.append(ColumnSnapshot(report_id, dashboard, deployment_id, partition_key, loaded_at, tuple(names)))
    return snapshots


def partition_tables(con, schema: str, dashboard: str, partition_key: str) -> list[str]:
    rows = con.execute(
        f"SELECT table_name FROM {META_SCHEMA}.downloads WHERE schema_name = ? AND dashboard = ? "
        "AND partition_key = ? GROUP BY table_name ORDER BY min(rowid)",
        [schema, dashboard, partition_key],
    ).fetchall()
    return [name for (name,) in rows]
