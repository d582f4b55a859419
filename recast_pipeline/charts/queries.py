"""What the charts read from ``recast_marts`` and ``recast_meta`` (plain SQL on an open connection).

Why the marts: they hold the same rows whether Recast sent a download wide or long, so a chart
is the same for every account. Each reader returns the chart's data, or ``Unavailable`` with the
one-line reason the chart is left out.
"""

from __future__ import annotations

from datetime import date

from recast_pipeline.charts.chart_types import Change, Effects, Estimate, Spend, Unavailable
from recast_pipeline.warehouse.catalog import has_table
from recast_pipeline.warehouse.marts import MARTS_SCHEMA
from recast_pipeline.warehouse.meta import META_SCHEMA
from recast_pipeline.warehouse.refit import VIEW as REFIT_VIEW
from recast_pipeline.warehouse.refit import largest_changes

INSIGHTS, SPEND = "compute_insights_overview", "compute_spend_summary"
IMPACT_METRICS = ("impact_shifted", "impact_unshifted")


def _has(con, schema: str, table: str) -> bool:
    return has_table(con, schema, table)


def effects(con, dashboard: str, partition_key: str) -> Effects | Unavailable:
    """Total ROI and impact per channel with their 5-95% interval."""
    if not _has(con, MARTS_SCHEMA, "channel_effects"):
        return Unavailable("recast_marts.channel_effects does not exist yet")
    rows = con.execute(
        f"SELECT metric, channel, coalesce(median, mean), p05, p95 FROM {MARTS_SCHEMA}.channel_effects "
        "WHERE report_type = ? AND dashboard = ? AND partition_key = ? AND effect = 'total' "
        "AND coalesce(median, mean) IS NOT NULL ORDER BY channel",
        [INSIGHTS, dashboard, partition_key],
    ).fetchall()
    by_metric: dict[str, list[Estimate]] = {}
    for metric, channel, value, p05, p95 in rows:
        by_metric.setdefault(metric, []).append(Estimate(channel, value, p05, p95))
    impact_metric = next((m for m in IMPACT_METRICS if by_metric.get(m)), IMPACT_METRICS[0])
    if not by_metric.get("roi"):
        return Unavailable(f"no total ROI rows in recast_marts.channel_effects for {dashboard} {partition_key}")
    return Effects(
        dashboard, partition_key, tuple(by_metric["roi"]), tuple(by_metric.get(impact_metric, ())), impact_metric
    )


def spend(con, dashboard: str, partition_key: str) -> Spend | Unavailable:
    """Daily spend per channel over the month, and each channel's total (its share of spend)."""
    if not _has(con, MARTS_SCHEMA, "channel_spend"):
        return Unavailable("recast_marts.channel_spend does not exist yet")
    rows = con.execute(
        f"SELECT period_start, channel, coalesce(spend, 0) FROM {MARTS_SCHEMA}.channel_spend "
        "WHERE report_type = ? AND dashboard = ? AND partition_key = ? AND grain = 'daily' AND period_start IS NOT "
        "NULL "
        "ORDER BY period_start, channel",
        [SPEND, dashboard, partition_key],
    ).fetchall()
    if not rows:
        return Unavailable(f"no daily rows in recast_marts.channel_spend for {dashboard} {partition_key}")
    days = tuple(sorted({day for day, _, _ in rows}))
    index = {day: i for i, day in enumerate(days)}
    by_channel: dict[str, list[float]] = {}
    for day, channel, value in rows:
        by_channel.setdefault(channel, [0.0] * len(days))[index[day]] += float(value)
    totals = dict(
        con.execute(
            f"SELECT channel, sum(spend) FROM {MARTS_SCHEMA}.channel_spend WHERE report_type = ? AND dashboard = ? "
            "AND partition_key = ? AND grain = 'total' GROUP BY channel",
            [SPEND, dashboard, partition_key],
        ).fetchall()
    )
    totals = {c: float(totals[c]) if totals.get(c) is not None else sum(v) for c, v in by_channel.items()}
    return Spend(dashboard, partition_key, days, {c: tuple(v) for c, v in by_channel.items()}, totals)


def refit_changes(
    con, dashboard: str, partition_key: str | None = None, report_type: str | None = None, limit: int = 10
) -> list[Change]:
    """The largest changes of the latest refit: of one partition and report type (its latest load), or
    of the dashboard (its latest model version, all report types and months)."""
    if not _has(con, META_SCHEMA, "refit_changes"):
        return []
    if partition_key is None and report_type is None:  # the dashboard's latest refit: its latest model version
        fields = ("measure", "channel", "partition_key", "before", "after", "rel_change")
        return [Change(*(row[f] for f in fields)) for row in largest_changes(con, dashboard, limit)]
    where, params = ["dashboard = ?"], [dashboard]
    for column, value in (("partition_key", partition_key), ("report_type", report_type)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    scope = " AND ".join(where)
    rows = con.execute(
        f"SELECT measure, channel, partition_key, before, after, rel_change FROM {REFIT_VIEW} WHERE {scope} AND "
        "loaded_at = "
        f"(SELECT max(loaded_at) FROM {REFIT_VIEW} WHERE {scope}) "
        "ORDER BY abs(rel_change) DESC NULLS LAST, abs(after - before) DESC NULLS LAST, measure, channel, "
        "partition_key "
        "LIMIT ?",
        [*params, *params, limit],
    ).fetchall()
    return [Change(*row) for row in rows]


def months(con, dashboard: str, count: int) -> list[str]:
    """The dashboard's last ``count`` months (partition keys) either mart holds, oldest first."""
    if not _has(con, MARTS_SCHEMA, "channel_spend"):
        return []
    rows = con.execute(
        f"SELECT DISTINCT partition_key FROM (SELECT partition_key FROM {MARTS_SCHEMA}.channel_spend WHERE dashboard "
        "= ? "
        f"UNION ALL SELECT partition_key FROM {MARTS_SCHEMA}.channel_effects WHERE dashboard = ? AND report_type = ?) "
        "ORDER BY partition_key DESC LIMIT ?",
        [dashboard, dashboard, INSIGHTS, count],
    ).fetchall()
    return sorted(key for (key,) in rows)


def monthly_spend(con, dashboard: str, keys: list[str]) -> dict[str, dict[str, float]]:
    """Spend per month (partition key) and channel, from each month's total."""
    if not keys:
        return {}
    rows = con.execute(
        f"SELECT partition_key, channel, sum(spend) FROM {MARTS_SCHEMA}.channel_spend WHERE report_type = ? AND "
        f"dashboard = ? AND grain = 'total' AND partition_key IN ({', '.join('?' * len(keys))}) GROUP BY ALL ORDER BY "
        "ALL",
        [SPEND, dashboard, *keys],
    ).fetchall()
    out: dict[str, dict[str, float]] = {}
    for key, channel, value in rows:
        out.setdefault(key, {})[channel] = float(value or 0.0)
    return out


def monthly_roi(con, dashboard: str, keys: list[str]) -> dict[str, dict[str, Estimate]]:
    """Total ROI per channel and month with its interval: channel -> month -> estimate."""
    if not keys or not _has(con, MARTS_SCHEMA, "channel_effects"):
        return {}
    rows = con.execute(
        f"SELECT channel, partition_key, coalesce(median, mean), p05, p95 FROM {MARTS_SCHEMA}.channel_effects "
        f"WHERE report_type = ? AND dashboard = ? AND effect = 'total' AND metric = 'roi' "
        f"AND partition_key IN ({', '.join('?' * len(keys))}) AND coalesce(median, mean) IS NOT NULL ORDER BY ALL",
        [INSIGHTS, dashboard, *keys],
    ).fetchall()
    out: dict[str, dict[str, Estimate]] = {}
    for channel, key, value, p05, p95 in rows:
        out.setdefault(channel, {})[key] = Estimate(channel, value, p05, p95)
    return out


def loads(con, dashboard: str, limit: int = 200) -> tuple[list[str], list[tuple]]:
    """What was loaded when (``recast_meta.reports``), newest first."""
    if not _has(con, META_SCHEMA, "reports"):
        return [], []
    cursor = con.execute(
        f"SELECT loaded_at, report_type, partition_key, report_id, deployment_id, model_date, prerendered, "
        f"round(waited_seconds, 1) AS waited_s, row_count FROM {META_SCHEMA}.reports WHERE dashboard = ? "
        "ORDER BY loaded_at DESC, report_type, partition_key LIMIT ?",
        [dashboard, limit],
    )
    return [d[0] for d in cursor.description], cursor.fetchall()


def dashboards(con) -> list[str]:
    if not _has(con, META_SCHEMA, "reports"):
        return []
    return [d for (d,) in con.execute(f"SELECT DISTINCT dashboard FROM {META_SCHEMA}.reports ORDER BY 1").fetchall()]


def month_start(key: str) -> date:
    return date.fromisoformat(key)
