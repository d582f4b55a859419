"""``recast_marts``: analytics-ready tables that read the same whichever layout Recast sent.

Why: Recast documents no CSV layout, so one account's ``tables-daily`` is wide and another's long
(``layouts.py``). Checks, the refit view, README's queries and charts read these tables, never one
layout of the raw tables:

* ``channel_spend(dashboard, deployment_id, model_date, partition_key, grain, period_start, channel,
  spend)`` from ``compute_spend_summary`` (``grain``: daily, weekly, monthly, total; ``period_start``
  NULL for total);
* ``channel_effects(dashboard, deployment_id, model_date, partition_key, effect, metric, channel,
  mean, median, p05, p95)`` from ``compute_insights_overview`` (``effect`` total/direct, ``metric``
  impact_shifted, impact_unshifted, roi, mroi) and ``compute_period_summary``'s per-channel measures
  (``effect`` = ``period``, ``metric`` total_effect, in_period_effect, ..., observed_roi, true_roi).

Each row also carries ``report_type``, ``report_id``, ``download_key`` and ``loaded_at``. The load
transaction replaces a partition's rows of its report type; rows of another model version move
to ``channel_spend_history`` / ``channel_effects_history`` (``superseded_at``), kept like the report
types' history. Values that are not numbers read NULL (``TRY_CAST``): the raw table keeps the text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from recast_pipeline.landing.landed_types import LandedTable
from recast_pipeline.landing.naming import quote_identifier, quote_literal
from recast_pipeline.warehouse import comments, history
from recast_pipeline.warehouse.catalog import has_table, qualified
from recast_pipeline.warehouse.layouts import KEY_SQL, LONG, WIDE, Column, Layout, recognize

MARTS_SCHEMA = "recast_marts"
HISTORY = "_history"
_LINEAGE = "report_type VARCHAR, report_id BIGINT, download_key VARCHAR, loaded_at TIMESTAMPTZ"
_KEYS = "dashboard VARCHAR, deployment_id BIGINT, model_date VARCHAR, partition_key VARCHAR"
TABLES = {
    "channel_spend": f"{_KEYS}, grain VARCHAR, period_start DATE, channel VARCHAR, spend DOUBLE, {_LINEAGE}",
    "channel_effects": f"{_KEYS}, effect VARCHAR, metric VARCHAR, channel VARCHAR, mean DOUBLE, median DOUBLE, "
    f"p05 DOUBLE, p95 DOUBLE, {_LINEAGE}",
}
COMMENTS = {
    "channel_spend": "Spend per dashboard, month, grain (daily, weekly, monthly, total), period and channel, from "
    "compute_spend_summary, the same rows whether Recast sent its tables wide or long",
    "channel_effects": "Per-channel estimates (mean, median, 5% and 95%) per dashboard, month, effect and metric, from "
    "compute_insights_overview (effect total/direct) and compute_period_summary (effect period), "
    "the same rows whether Recast sent its tables wide or long",
}
COLUMN_COMMENTS = {
    "partition_key": "The month (first day) the report covers",
    "grain": "daily, weekly, monthly or total",
    "period_start": "First day of the day, week or month; NULL for the total",
    "channel": "The channel label, as the deployment spells it",
    "spend": "Spend in the deployment's currency",
    "effect": "total or direct (compute_insights_overview), period (compute_period_summary)",
    "metric": "impact_shifted, impact_unshifted, roi, mroi, or a compute_period_summary measure",
    "p05": "5th percentile of the estimate",
    "p95": "95th percentile of the estimate",
    "download_key": "The Recast download the row was read from",
}
# Measure names as their keys (``layouts.key``): the first one a download has wins.
SPEND = ("spend", "spendusd", "spenddollars", "totalspend", "spendamount")
ESTIMATES = {
    "mean": ("mean", "average", "avg", "estimate"),
    "median": ("median", "p50", "50pct", "q50"),
    "p05": ("5pct", "p05", "p5", "q05", "q5", "5thpercentile", "lower"),
    "p95": ("95pct", "p95", "q95", "95thpercentile", "upper"),
}
GRAINS = {"tables-daily": "daily", "tables-weekly": "weekly", "tables-monthly": "monthly", "tables-total": "total"}
SOURCES = {
    "compute_spend_summary": "channel_spend",
    "compute_insights_overview": "channel_effects",
    "compute_period_summary": "channel_effects",
}  # report type -> the mart its downloads feed


@dataclass(frozen=True)
class MartRows:
    """What one download gives a mart: the SELECT of its rows (mart columns before lineage), or why not."""

    table: str
    select: str | None
    note: str = ""


def columns_of(landed: LandedTable) -> list[Column]:
    return [Column(c.name, c.original or c.name, c.duckdb_type) for c in landed.data_columns]


def layout_of(landed: LandedTable, channels: Sequence[str]) -> Layout:
    return recognize(columns_of(landed), channels)


def _in(keys: Sequence[str]) -> str:
    return ", ".join(quote_literal(k) for k in keys)


def _double(column: Column | None) -> str:
    return f"TRY_CAST({quote_identifier(column.name)} AS DOUBLE)" if column is not None else "CAST(NULL AS DOUBLE)"


def _period(layout: Layout, grain: str) -> str:
    if grain == "total" or layout.period is None:
        return "CAST(NULL AS DATE)"
    return f"TRY_CAST({quote_identifier(layout.period.name)} AS DATE)"


def _spend(layout: Layout, source: str, grain: str) -> MartRows:
    head = f"{quote_literal(grain)} AS grain, {_period(layout, grain)} AS period_start"
    if layout.kind == LONG:
        assert layout.channel is not None  # a long layout is one with a channel column (recognize)
        spend = layout.measure(*SPEND) or (layout.measures[0] if len(layout.measures) == 1 else None)
        if spend is None:
            return MartRows(
                "channel_spend", None, f"no spend column among {', '.join(c.header for c in layout.measures)}"
            )
        return MartRows(
            "channel_spend",
            f"SELECT {head}, CAST({quote_identifier(layout.channel.name)} AS VARCHAR) AS channel, "
            f"{_double(spend)} AS spend FROM {source}",
        )
    if layout.kind == WIDE:
        where = (
            f" WHERE {KEY_SQL.format(quote_identifier(layout.metric.name))} IN ({_in(SPEND)})" if layout.metric else ""
        )
        parts = [
            f"SELECT {head}, {quote_literal(label)} AS channel, {_double(column)} AS spend FROM {source}{where}"
            for column, label in layout.channels
        ]
        return MartRows("channel_spend", " UNION ALL ".join(parts))
    return MartRows("channel_spend", None, layout.note)


def _effects(layout: Layout, source: str, effect: str, metric: str) -> MartRows:
    head = f"{quote_literal(effect)} AS effect, {quote_literal(metric)} AS metric"
    if layout.kind == LONG:
        assert layout.channel is not None  # a long layout is one with a channel column (recognize)
        found = {name: layout.measure(*keys) for name, keys in ESTIMATES.items()}
        if found["mean"] is None and found["median"] is None:
            return MartRows(
                "channel_effects",
                None,
                f"no mean or median column among {', '.join(c.header for c in layout.measures)}",
            )
        values = ", ".join(f"{_double(column)} AS {name}" for name, column in found.items())
        return MartRows(
            "channel_effects",
            f"SELECT {head}, CAST({quote_identifier(layout.channel.name)} AS VARCHAR) "
            f"AS channel, {values} FROM {source}",
        )
    if layout.kind == WIDE and layout.metric is not None and layout.period is None:
        k = KEY_SQL.format(quote_identifier(layout.metric.name))
        parts = []
        for column, label in layout.channels:
            values = ", ".join(
                f"max(CASE WHEN {k} IN ({_in(keys)}) THEN {_double(column)} END) AS {name}"
                for name, keys in ESTIMATES.items()
            )
            parts.append(f"SELECT {head}, {quote_literal(label)} AS channel, {values} FROM {source}")
        return MartRows("channel_effects", " UNION ALL ".join(parts))
    return MartRows("channel_effects", None, layout.note or "a wide table without one metric per row")


def _effect_of(report_type: str, landed: LandedTable) -> tuple[str, str] | None:
    if report_type == "compute_insights_overview" and {"effect", "metric"} <= landed.parts.keys():
        return landed.parts["effect"], landed.parts["metric"]
    prefix = "summary_tables-"
    if report_type == "compute_period_summary" and landed.download_key.startswith(prefix):
        name = landed.download_key[len(prefix) :]
        return None if name == "merged_means_summary" else ("period", name)
    return None


def rows_for(report_type: str, landed: LandedTable, layout: Layout, source: str) -> MartRows | None:
    """The mart rows of one download (``source``: its rows in the raw table), or None when no mart reads it."""
    if report_type == "compute_spend_summary" and landed.download_key in GRAINS:
        return _spend(layout, source, GRAINS[landed.download_key])
    effect = _effect_of(report_type, landed)
    return _effects(layout, source, *effect) if effect else None


def ensure(con) -> None:
    """Create the marts and their history once (with their comments)."""
    if has_table(con, MARTS_SCHEMA, "channel_effects_history"):
        return
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {MARTS_SCHEMA}")
    for table, columns in TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {qualified(MARTS_SCHEMA, table)} ({columns})")
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {qualified(MARTS_SCHEMA, table + HISTORY)} ({columns}, superseded_at "
            "TIMESTAMPTZ)"
        )
        con.execute(f"COMMENT ON TABLE {qualified(MARTS_SCHEMA, table)} IS {quote_literal(COMMENTS[table])}")
        con.execute(
            f"COMMENT ON TABLE {qualified(MARTS_SCHEMA, table + HISTORY)} IS "
            f"{quote_literal('Earlier model versions of recast_marts.' + table + '; superseded_at says when.')}"
        )
        for column, text in COLUMN_COMMENTS.items():
            if column in columns:
                con.execute(
                    f"COMMENT ON COLUMN {qualified(MARTS_SCHEMA, table)}.{quote_identifier(column)} IS "
                    f"{quote_literal(text)}"
                )
    comments.document_schema(
        con,
        MARTS_SCHEMA,
        None,
        "marts",
        "Layout-independent tables over the Recast reports: channel_spend, channel_effects and their history",
    )


_PARTITION = "report_type = ? AND dashboard = ? AND partition_key = ?"
_OTHER_VERSION = f"{_PARTITION} AND NOT (deployment_id = ? AND model_date IS NOT DISTINCT FROM ?)"


def _clear(con, table: str, report, history_versions: int | None, superseded_at: datetime) -> None:
    """Delete the partition's rows of its report type, archiving another model version's first."""
    partition = [report.report_type, report.dashboard, report.partition_key]
    target, kept = qualified(MARTS_SCHEMA, table), qualified(MARTS_SCHEMA, table + HISTORY)
    if history_versions != 0:
        version = [report.deployment_id, report.model_date]
        others = con.execute(
            f"SELECT DISTINCT deployment_id, model_date FROM {target} WHERE {_OTHER_VERSION}", [*partition, *version]
        ).fetchall()
        for other in others:  # one copy per model version: archiving it again replaces the older copy
            con.execute(
                f"DELETE FROM {kept} WHERE {_PARTITION} AND deployment_id = ? AND model_date IS NOT DISTINCT FROM ?",
                [*partition, *other],
            )
        if others:
            con.execute(
                f"INSERT INTO {kept} SELECT *, CAST(? AS TIMESTAMPTZ) FROM {target} WHERE {_OTHER_VERSION}",
                [superseded_at, *partition, *version],
            )
        history.prune_table(con, kept, report.dashboard, history_versions)
    con.execute(f"DELETE FROM {target} WHERE {_PARTITION}", partition)


def replace_partition(
    con,
    report,
    schema: str,
    downloads: Sequence[tuple[LandedTable, Layout]],
    *,
    history_versions: int | None,
    superseded_at: datetime,
    loaded_at: datetime,
) -> Mapping[str, str]:
    """Replace the partition's mart rows of its report type from its just-loaded raw rows.

    Returns, per download key a mart could not read, why (the caller records it and warns)."""
    ensure(con)
    table = SOURCES.get(report.report_type)
    if table is None:
        return {}
    _clear(con, table, report, history_versions, superseded_at)
    notes = {}
    lineage = (
        "CAST(? AS VARCHAR) AS dashboard, CAST(? AS BIGINT) AS deployment_id, CAST(? AS VARCHAR) AS model_date, "
        "CAST(? AS VARCHAR) AS partition_key"
    )
    for landed, layout in downloads:
        source = (
            f"{qualified(schema, landed.table)} WHERE dashboard = {quote_literal(report.dashboard)} AND "
            f"partition_key = {quote_literal(report.partition_key)} AND download_key = "
            f"{quote_literal(landed.download_key)}"
        )
        rows = rows_for(report.report_type, landed, layout, f"(SELECT * FROM {source}) AS download")
        if rows is None:
            continue
        if rows.select is None:
            notes[landed.download_key] = rows.note
            continue
        con.execute(
            f"INSERT INTO {qualified(MARTS_SCHEMA, rows.table)} BY NAME SELECT m.*, {lineage}, CAST(? AS VARCHAR) AS "
            "report_type, "
            f"CAST(? AS BIGINT) AS report_id, CAST(? AS VARCHAR) AS download_key, CAST(? AS TIMESTAMPTZ) AS loaded_at "
            f"FROM ({rows.select}) m",
            [
                report.dashboard,
                report.deployment_id,
                report.model_date,
                report.partition_key,
                report.report_type,
                report.report_id,
                landed.download_key,
                loaded_at,
            ],
        )
    return notes
