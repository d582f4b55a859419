"""KPI series no mart holds yet (model fit, baseline), read from the raw tables by their layout.

Why through ``warehouse.layouts``: Recast documents no CSV layout, so a chart must not assume one.
Each download of the partition is described by ``recast_meta.downloads`` (its columns, as loaded,
with their CSV headers) and recognized with ``layouts.recognize`` without channel labels: a period
column beside numeric columns is a set of series over time (``wide``), whose headers say what each
is (``Baseline``, ``Marketing``, ``Actual KPI``, ``Predicted`` ...). A ``Metric``/``Value`` table
is a set of statistics. Anything else is not recognized, and the chart is left out with a note
naming what was seen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from recast_pipeline.charts.chart_types import Series, Statistics, Unavailable
from recast_pipeline.landing.naming import quote_identifier
from recast_pipeline.warehouse.catalog import has_table, qualified
from recast_pipeline.warehouse.layouts import METRIC_KEYS, WIDE, Column, recognize
from recast_pipeline.warehouse.meta import META_SCHEMA

FIT, BASELINE, MARKETING_VS_BASELINE = (
    "compute_in_sample_model_fit",
    "compute_baseline_summary",
    "compute_marketing_vs_baseline",
)
# series roles, by header key (``layouts.key``)
ROLES = {
    "actual": ("actual", "actualkpi", "kpi", "observed", "actualvalue", "truth"),
    "predicted": ("predicted", "predictedkpi", "fitted", "prediction", "modeled", "modelled", "predictedmedian"),
    "predicted_p05": ("predicted5pct", "predictedp05", "lower", "predictedlower"),
    "predicted_p95": ("predicted95pct", "predictedp95", "upper", "predictedupper"),
    "baseline": ("baseline", "baselinekpi", "organic", "organickpi"),
    "spikes": ("spikeeffect", "spikes", "spike", "spikeeffects"),
    "marketing": ("marketing", "marketingdriven", "marketingkpi", "paidmedia", "incremental", "marketingeffect"),
    "other": ("othereffects", "other", "contextvariables", "context"),
}
STAT_VALUE_KEYS = ("value", "estimate", "statistic", "result")


@dataclass(frozen=True)
class Download:
    """A download of the partition as ``recast_meta.downloads`` recorded it."""

    key: str
    schema: str
    table: str
    columns: tuple[Column, ...]
    rows: int


def downloads(con, report_type: str, dashboard: str, partition_key: str) -> list[Download]:
    if not has_table(con, META_SCHEMA, "downloads"):
        return []
    rows = con.execute(
        f"SELECT download_key, schema_name, table_name, columns, row_count FROM {META_SCHEMA}.downloads "
        "WHERE report_type = ? AND dashboard = ? AND partition_key = ? ORDER BY download_key",
        [report_type, dashboard, partition_key],
    ).fetchall()
    found = []
    for download_key, schema, table, columns, count in rows:
        described = json.loads(columns) if isinstance(columns, str) else (columns or [])
        cols = tuple(Column(c["name"], c.get("original") or c["name"], c.get("type") or "VARCHAR") for c in described)
        found.append(Download(download_key, schema, table, cols, int(count or 0)))
    return found


def _roles(columns) -> dict[str, Column]:
    found: dict[str, Column] = {}
    for role, keys in ROLES.items():
        column = next((c for wanted in keys for c in columns if c.key == wanted), None)
        if column is not None:
            found[role] = column
    return found


def _read(con, download: Download, period: Column, columns: dict[str, Column], dashboard: str, partition_key: str):
    names = ", ".join(f"TRY_CAST({quote_identifier(c.name)} AS DOUBLE)" for c in columns.values())
    rows = con.execute(
        f"SELECT TRY_CAST({quote_identifier(period.name)} AS DATE) AS p, {names} FROM "
        f"{qualified(download.schema, download.table)} "
        "WHERE dashboard = ? AND partition_key = ? AND download_key = ? AND p IS NOT NULL ORDER BY p",
        [dashboard, partition_key, download.key],
    ).fetchall()
    periods = tuple(row[0] for row in rows)
    values = {role: tuple(row[i + 1] for row in rows) for i, role in enumerate(columns)}
    return periods, values


def series(
    con, report_type: str, dashboard: str, partition_key: str, wanted: tuple[str, ...], title: str
) -> Series | Unavailable:
    """The partition's download (finest period first) holding the most of the ``wanted`` roles."""
    seen = []
    best = None
    for download in downloads(con, report_type, dashboard, partition_key):
        layout = recognize(download.columns)
        if layout.kind != WIDE or layout.period is None:
            seen.append(f"{download.key} ({layout.kind})")
            continue
        roles = {r: c for r, c in _roles([c for c, _ in layout.channels]).items() if r in wanted}
        daily = "daily" in download.key or layout.period.type == "DATE" and "month" not in layout.period.key
        score = (len(roles), daily, download.rows)
        if roles and (best is None or score > best[0]):
            best = (score, download, layout.period, roles)
        seen.append(f"{download.key} (series: {', '.join(c.header for c, _ in layout.channels)})")
    if best is None:
        return Unavailable(
            f"{report_type}: no series of {'/'.join(wanted)} over time recognized; saw "
            f"{'; '.join(seen) or 'no downloads'}"
        )
    _, download, period, roles = best
    periods, values = _read(con, download, period, roles, dashboard, partition_key)
    if not periods:
        return Unavailable(f"{report_type}.{download.key}: no rows with a readable {period.header}")
    return Series(title, periods, values, {r: c.header for r, c in roles.items()})


def statistics(con, report_type: str, dashboard: str, partition_key: str, title: str) -> Statistics | Unavailable:
    """A name/value table (``Metric``, ``Value``), as Recast's ``stats`` download."""
    seen = []
    for download in downloads(con, report_type, dashboard, partition_key):
        names = [c for c in download.columns if c.key in METRIC_KEYS and not c.numeric]
        values = [c for c in download.columns if c.numeric]
        value = next(
            (c for k in STAT_VALUE_KEYS for c in values if c.key == k), values[0] if len(values) == 1 else None
        )
        if len(names) != 1 or value is None:
            seen.append(f"{download.key} ({', '.join(c.header for c in download.columns)})")
            continue
        rows = con.execute(
            f"SELECT CAST({quote_identifier(names[0].name)} AS VARCHAR), TRY_CAST({quote_identifier(value.name)} AS "
            "DOUBLE) "
            f"FROM {qualified(download.schema, download.table)} WHERE dashboard = ? AND partition_key = ? AND "
            "download_key = ?",
            [dashboard, partition_key, download.key],
        ).fetchall()
        stats = tuple((name, v) for name, v in rows if name is not None and v is not None)
        if stats:
            return Statistics(title, stats)
    return Unavailable(f"{report_type}: no statistics table recognized; saw {'; '.join(seen) or 'no downloads'}")
