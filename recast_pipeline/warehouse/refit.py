"""What a refit changed: ``recast_meta.refit_changes``, previous vs new model version per channel.

Why: after every model refresh MMM users ask how the estimates moved ("March's ROI for Linear TV
before and after this refit"). The history tables keep the previous versions; this view lines up
each partition's consecutive model versions (by ``loaded_at``) and compares, per channel:

* ``compute_insights_overview`` / ``summaries``: every ``effect`` x ``metric`` (``total_roi``,
  ``total_impact_unshifted``, ``direct_mroi``, ...), the ``median`` estimate (``mean`` if absent);
* ``compute_spend_summary`` / ``tables_total``: ``spend``.

Columns: dashboard, report_type, measure, channel, partition_key, previous_deployment_id,
previous_model_date, deployment_id, model_date, loaded_at (of the new version), before, after,
abs_change, rel_change (relative to ``abs(before)``; NULL when before is 0 or missing). A channel
that appears or disappears has NULL on one side.

The view is rebuilt in every load transaction from the tables and columns that exist then, so it
never fails to bind: with none of them it is empty, with the columns above it fills in.
"""

from __future__ import annotations

from dataclasses import dataclass

from recast_pipeline.landing.naming import quote_identifier, schema_name
from recast_pipeline.warehouse.catalog import qualified, table_columns
from recast_pipeline.warehouse.history import history_schema
from recast_pipeline.warehouse.meta import META_SCHEMA

VIEW = f"{META_SCHEMA}.refit_changes"
_KEYS = ("dashboard", "partition_key", "deployment_id", "model_date", "loaded_at")
_EMPTY = (
    "SELECT CAST(NULL AS VARCHAR) AS report_type, CAST(NULL AS VARCHAR) AS measure, CAST(NULL AS VARCHAR) AS channel, "
    "CAST(NULL AS VARCHAR) AS dashboard, CAST(NULL AS VARCHAR) AS partition_key, CAST(NULL AS BIGINT) AS deployment_id, "
    "CAST(NULL AS VARCHAR) AS model_date, CAST(NULL AS TIMESTAMPTZ) AS loaded_at, CAST(NULL AS DOUBLE) AS value WHERE false"
)


@dataclass(frozen=True)
class Source:
    """One table whose per-channel numbers are compared across model versions."""

    report_type: str
    table: str
    measure: str  # SQL over the table's columns
    needs: tuple[str, ...]  # columns the measure and channel need
    values: tuple[str, ...]  # value column, first one present wins


SOURCES = (
    Source("compute_insights_overview", "summaries", "effect || '_' || metric", ("channel", "effect", "metric"), ("median", "mean")),
    Source("compute_spend_summary", "tables_total", "'spend'", ("channel",), ("spend",)),
)


def _select(con, source: Source, schema: str) -> str | None:
    columns = table_columns(con, schema, source.table)
    value = next((name for name in source.values if name in columns), None)
    if value is None or not {*source.needs, *_KEYS} <= columns.keys():
        return None
    keys = ", ".join(_KEYS)
    return (
        f"SELECT '{source.report_type}' AS report_type, CAST({source.measure} AS VARCHAR) AS measure, "
        f"CAST(channel AS VARCHAR) AS channel, {keys}, CAST({quote_identifier(value)} AS DOUBLE) AS value "
        f"FROM {qualified(schema, source.table)}"
    )


def view_sql(con) -> str:
    """The view over whichever sources exist now (live tables and their history)."""
    parts = []
    for source in SOURCES:
        schema = schema_name(source.report_type)
        parts += [sql for sql in (_select(con, source, schema), _select(con, source, history_schema(schema))) if sql]
    values = " UNION ALL ".join(parts) or _EMPTY
    return f"""
CREATE OR REPLACE VIEW {VIEW} AS
WITH vals AS ({values}),
versions AS (
    SELECT DISTINCT report_type, dashboard, partition_key, deployment_id, model_date, loaded_at FROM vals),
pairs AS (
    SELECT *, lag(deployment_id) OVER w AS previous_deployment_id, lag(model_date) OVER w AS previous_model_date,
           lag(loaded_at) OVER w AS previous_loaded_at
    FROM versions WINDOW w AS (PARTITION BY report_type, dashboard, partition_key ORDER BY loaded_at)),
sides AS (
    SELECT p.*, v.measure, v.channel, v.value, v.loaded_at = p.loaded_at AS is_after
    FROM pairs p JOIN vals v ON v.report_type = p.report_type AND v.dashboard = p.dashboard
     AND v.partition_key = p.partition_key AND v.loaded_at IN (p.loaded_at, p.previous_loaded_at)
    WHERE p.previous_loaded_at IS NOT NULL),
changes AS (
    SELECT dashboard, report_type, measure, channel, partition_key, previous_deployment_id, previous_model_date,
           deployment_id, model_date, loaded_at,
           any_value(value) FILTER (WHERE NOT is_after) AS before, any_value(value) FILTER (WHERE is_after) AS after
    FROM sides GROUP BY ALL)
SELECT *, after - before AS abs_change, CASE WHEN before <> 0 THEN (after - before) / abs(before) END AS rel_change
FROM changes
"""


def refresh_view(con) -> None:
    con.execute(view_sql(con))
    con.execute(
        f"COMMENT ON VIEW {VIEW} IS 'What each refit changed: per dashboard, month and channel, ROI, impact "
        "(compute_insights_overview) and spend (compute_spend_summary) before and after a re-load from a new model version'"
    )


def largest_changes(con, dashboard: str, limit: int) -> list[dict]:
    """The latest refit of ``dashboard``: its largest relative (then absolute) changes first."""
    cursor = con.execute(
        f"""
        WITH latest AS (SELECT deployment_id, model_date FROM {VIEW} WHERE dashboard = ? ORDER BY loaded_at DESC LIMIT 1)
        SELECT c.* FROM {VIEW} c JOIN latest l ON c.deployment_id = l.deployment_id
          AND c.model_date IS NOT DISTINCT FROM l.model_date
        WHERE c.dashboard = ?
        ORDER BY abs(c.rel_change) DESC NULLS LAST, abs(c.abs_change) DESC NULLS LAST, c.report_type, c.measure, c.channel,
                 c.partition_key
        LIMIT ?""",
        [dashboard, dashboard, limit],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
