"""Every model version kept: rows a refit replaces move into a history table, in the load transaction.

Why: a model refresh re-loads a dashboard's partitions from a new model version; for MMM users
the previous version's estimates are data ("how did March's ROI change after this refit?").

Layout: for the report type's schema ``<schema>`` a schema ``<schema>_history`` holds one table
per live table, with the same name: every column of the live table (lineage included:
``dashboard``, ``deployment_id``, ``model_date``, ``partition_key``, ``report_id``, ...) plus
``superseded_at``. A separate schema keeps the live tables alone under the report type in a SQL
browser, and the history mirrors them name for name.

Rules:
* rows move only when their model version ``(deployment_id, model_date)`` differs from the one
  being loaded; re-loading from the same version replaces without growing history;
* one copy per model version and partition: archiving a version again replaces its older copy;
* retention: per dashboard, each history table keeps the last ``keep`` superseded model versions
  (by when they were superseded); ``None`` keeps all, ``0`` keeps none;
* schema evolution: the history table gains the live table's new columns; BIGINT widens to
  DOUBLE, an empty column takes the new type, any other difference makes the column VARCHAR, so
  no archived value is ever lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from recast_pipeline.landing.naming import quote_identifier
from recast_pipeline.warehouse.catalog import existing_tables, is_lakehouse, qualified, table_columns
from recast_pipeline.warehouse.schema import retype_sql

HISTORY_SUFFIX = "_history"
_OTHER_VERSION = "dashboard = ? AND partition_key = ? AND NOT (deployment_id = ? AND model_date IS NOT DISTINCT FROM ?)"
_VERSION_KEY = "CAST(deployment_id AS VARCHAR) || '|' || coalesce(model_date, '')"


def history_schema(schema: str) -> str:
    return f"{schema}{HISTORY_SUFFIX}"


def archive(con, schema: str, table: str, live: Mapping[str, str], report, superseded_at: datetime) -> int:
    """Copy ``table``'s rows of the report's partition that another model version produced into
    the history table (before the caller deletes them); returns the number of rows copied."""
    params = [report.dashboard, report.partition_key, report.deployment_id, report.model_date]
    source = qualified(schema, table)
    versions = con.execute(
        f"SELECT DISTINCT deployment_id, model_date FROM {source} WHERE {_OTHER_VERSION}", params
    ).fetchall()
    if not versions:
        return 0
    types = _evolve(con, schema, table, live)
    target = qualified(history_schema(schema), table)
    for deployment_id, model_date in versions:
        con.execute(
            f"DELETE FROM {target} WHERE dashboard = ? AND partition_key = ? AND deployment_id = ? "
            "AND model_date IS NOT DISTINCT FROM ?",
            [report.dashboard, report.partition_key, deployment_id, model_date],
        )
    select = ", ".join(f"CAST({quote_identifier(name)} AS {types[name]}) AS {quote_identifier(name)}" for name in live)
    return con.execute(
        f"INSERT INTO {target} BY NAME SELECT {select}, CAST(? AS TIMESTAMPTZ) AS superseded_at FROM {source} WHERE "
        f"{_OTHER_VERSION}",
        [superseded_at, *params],
    ).fetchone()[0]


def _evolve(con, schema: str, table: str, live: Mapping[str, str]) -> dict[str, str]:
    """Create the history table, or make it hold every live column; returns its column types."""
    target = qualified(history_schema(schema), table)
    have = table_columns(con, history_schema(schema), table)
    if not have:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_identifier(history_schema(schema))}")
        columns = ", ".join(f"{quote_identifier(name)} {kind}" for name, kind in live.items())
        con.execute(f"CREATE TABLE {target} ({columns}, superseded_at TIMESTAMPTZ)")
        return dict(live)
    for name, kind in live.items():
        column = quote_identifier(name)
        if name not in have:
            con.execute(f"ALTER TABLE {target} ADD COLUMN {column} {kind}")
            have[name] = kind
        elif have[name] != kind:
            empty = con.execute(f"SELECT count({column}) = 0 FROM {target}").fetchone()[0]
            joined = kind if empty else "DOUBLE" if {have[name], kind} == {"BIGINT", "DOUBLE"} else "VARCHAR"
            if joined != have[name]:
                for statement in retype_sql(target, name, have[name], joined, empty=empty, lakehouse=is_lakehouse(con)):
                    con.execute(statement)
                have[name] = joined
    return have


def prune(con, schema: str, dashboard: str, keep: int | None) -> int:
    """Keep, per history table, the dashboard's last ``keep`` superseded model versions."""
    return sum(
        prune_table(con, qualified(history_schema(schema), table), dashboard, keep)
        for table in existing_tables(con, history_schema(schema))
    )


def prune_table(con, target: str, dashboard: str, keep: int | None) -> int:
    """Keep the dashboard's last ``keep`` superseded model versions in one history table."""
    if keep is None:
        return 0
    return con.execute(
        f"DELETE FROM {target} WHERE dashboard = ? AND {_VERSION_KEY} NOT IN ("
        f"SELECT {_VERSION_KEY} FROM {target} WHERE dashboard = ? GROUP BY ALL "
        "ORDER BY max(superseded_at) DESC, max(model_date) DESC NULLS LAST, max(deployment_id) DESC LIMIT ?)",
        [dashboard, dashboard, keep],
    ).fetchone()[0]
