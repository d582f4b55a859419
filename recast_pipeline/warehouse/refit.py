"""What a refit changed: ``recast_meta.refit_changes``, previous vs new model version per channel.

Why: after every model refresh MMM users ask how the estimates moved ("March's ROI for Linear TV
before and after this refit"). The marts keep the previous versions (``*_history``); this view
lines up each partition's consecutive model versions (by ``loaded_at``) and compares, per channel:

* ``recast_marts.channel_effects``: every ``effect`` x ``metric`` (``total_roi``,
  ``total_impact_unshifted``, ``direct_mroi``, ``period_true_roi``, ...), the ``median`` estimate
  (``mean`` if absent);
* ``recast_marts.channel_spend``, grain ``total``: ``spend``.

It reads the marts, so it is the same whether Recast sent those tables wide or long.

Columns: dashboard, report_type, measure, channel, partition_key, previous_deployment_id,
previous_model_date, deployment_id, model_date, loaded_at (of the new version), before, after,
abs_change, rel_change (relative to ``abs(before)``; NULL when before is 0 or missing). A channel
that appears or disappears has NULL on one side.
"""

from __future__ import annotations

from recast_pipeline.warehouse.marts import HISTORY, MARTS_SCHEMA
from recast_pipeline.warehouse.meta import META_SCHEMA

VIEW = f"{META_SCHEMA}.refit_changes"
_KEYS = "dashboard, partition_key, deployment_id, model_date, loaded_at"


def _values(suffix: str) -> str:
    effects, spend = f"{MARTS_SCHEMA}.channel_effects{suffix}", f"{MARTS_SCHEMA}.channel_spend{suffix}"
    return (
        f"SELECT report_type, effect || '_' || metric AS measure, channel, {_KEYS}, coalesce(median, mean) AS value "
        f"FROM {effects} UNION ALL "
        f"SELECT report_type, 'spend' AS measure, channel, {_KEYS}, spend AS value FROM {spend} WHERE grain = 'total'"
    )


def view_sql() -> str:
    return f"""
CREATE OR REPLACE VIEW {VIEW} AS
WITH vals AS ({_values("")} UNION ALL {_values(HISTORY)}),
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
    """Create or replace the view (the marts exist: the load creates them first)."""
    con.execute(view_sql())
    con.execute(
        f"COMMENT ON VIEW {VIEW} IS 'What each refit changed: per dashboard, month and channel, ROI, impact "
        "(compute_insights_overview) and spend (compute_spend_summary) before and after a re-load from a new model "
        "version'"
    )


def largest_changes(con, dashboard: str, limit: int) -> list[dict]:
    """The latest refit of ``dashboard``: its largest relative (then absolute) changes first."""
    cursor = con.execute(
        f"""
        WITH latest AS (SELECT deployment_id, model_date FROM {VIEW} WHERE dashboard = ? ORDER BY loaded_at
        DESC LIMIT 1)
        SELECT c.* FROM {VIEW} c JOIN latest l ON c.deployment_id = l.deployment_id
          AND c.model_date IS NOT DISTINCT FROM l.model_date
        WHERE c.dashboard = ?
        ORDER BY abs(c.rel_change) DESC NULLS LAST, abs(c.abs_change) DESC NULLS LAST, c.report_type,
        c.measure, c.channel,
                 c.partition_key
        LIMIT ?""",
        [dashboard, dashboard, limit],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
