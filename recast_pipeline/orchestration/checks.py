"""Asset checks of every report asset, evaluated right after its partitions are loaded.

They read ``recast_meta`` (what was loaded, with which columns) rather than trusting the step's
own bookkeeping, so a check fails when the warehouse disagrees with what Recast listed.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import dagster as dg

from recast_pipeline.landing.naming import normalize_column, table_identifier
from recast_pipeline.recast.catalog import ReportType
from recast_pipeline.warehouse import META_SCHEMA, Warehouse

DOWNLOADS_LOADED = "downloads_loaded"
TABLES_HAVE_ROWS = "tables_have_rows"
NO_LOST_COLUMNS = "no_lost_columns"
DAILY_SPEND_MATCHES_TOTAL = "daily_spend_matches_total"
SPEND_TOLERANCE = 0.005  # relative: Recast rounds each day to cents


def check_specs(report_type: ReportType, asset_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    specs = [
        dg.AssetCheckSpec(DOWNLOADS_LOADED, asset=asset_key, description="Every download Recast listed was loaded"),
        dg.AssetCheckSpec(NO_LOST_COLUMNS, asset=asset_key, description="No table lost columns since its previous load"),
    ]
    if report_type.expects_data:
        specs.append(dg.AssetCheckSpec(TABLES_HAVE_ROWS, asset=asset_key, description="Every loaded table has rows"))
    if report_type.name == "compute_spend_summary":
        specs.append(
            dg.AssetCheckSpec(
                DAILY_SPEND_MATCHES_TOTAL, asset=asset_key, description="Daily spend sums to the total per partition"
            )
        )
    return specs


def evaluate(
    warehouse: Warehouse, report_type: ReportType, asset_key: dg.AssetKey, partitions: Sequence
) -> Iterator[dg.AssetCheckResult]:
    report_ids = [p.report.id for p in partitions]
    marks = ",".join("?" * len(report_ids))
    _, rows = warehouse.query(
        f"SELECT report_id, download_key, table_name, row_count FROM {META_SCHEMA}.downloads WHERE report_id IN ({marks})",
        report_ids,
    )
    loaded = {(report_id, key) for report_id, key, _, _ in rows}
    missing = [f"{p.report.id}: {d.key}" for p in partitions for d in p.report.downloads if (p.report.id, d.key) not in loaded]
    yield dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=DOWNLOADS_LOADED,
        passed=not missing,
        metadata={"missing": dg.MetadataValue.json(missing), "loaded": len(loaded)},
    )
    tables = sorted({table for _, _, table, _ in rows})
    yield _lost_columns(warehouse, report_type, asset_key, tables)
    if report_type.expects_data:
        empty = [f"{report_id}: {key}" for report_id, key, _, count in rows if not count]
        empty += [f"{p.report.id}: no downloads" for p in partitions if not p.report.downloads]
        yield dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=TABLES_HAVE_ROWS,
            passed=not empty,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"empty": dg.MetadataValue.json(empty)},
        )
    if report_type.name == "compute_spend_summary":
        yield _spend_totals(warehouse, asset_key, partitions)


def _lost_columns(warehouse, report_type, asset_key, tables) -> dg.AssetCheckResult:
    lost = {}
    for table in tables:
        history = warehouse.column_history(report_type.name, table, limit=2)
        if len(history) == 2:
            gone = sorted(set(history[1].columns) - set(history[0].columns))
            if gone:
                lost[table] = gone
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=NO_LOST_COLUMNS,
        passed=not lost,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"lost": dg.MetadataValue.json(lost), "tables": len(tables)},
    )


def _spend_totals(warehouse, asset_key, partitions) -> dg.AssetCheckResult:
    """Per partition: the daily table's channel columns (the total table's channels) vs total spend."""
    schema = "compute_spend_summary"
    daily, total = table_identifier("tables-daily"), table_identifier("tables-total")
    daily_columns, _ = warehouse.query(f'SELECT * FROM "{schema}"."{daily}" LIMIT 0')
    mismatches, compared = {}, 0
    for p in partitions:
        key = [p.job.dashboard, p.job.partition_key]
        _, rows = warehouse.query(
            f'SELECT channel, sum(spend) FROM "{schema}"."{total}" WHERE dashboard = ? AND partition_key = ? GROUP BY 1',
            key,
        )
        columns = [normalize_column(str(channel)) for channel, _ in rows]
        unmatched = [c for c in columns if c not in daily_columns]
        spend_total = sum(spend or 0.0 for _, spend in rows)
        daily_total = 0.0
        if columns and not unmatched:
            sums = " + ".join(f'coalesce(sum("{c}"), 0)' for c in columns)
            _, [(daily_total,)] = warehouse.query(
                f'SELECT {sums} FROM "{schema}"."{daily}" WHERE dashboard = ? AND partition_key = ?', key
            )
        compared += 1
        if unmatched or not rows or abs(daily_total - spend_total) > SPEND_TOLERANCE * max(abs(spend_total), 1.0):
            mismatches[str(p.job.tag)] = {"daily": daily_total, "total": spend_total, "channels_missing_daily": unmatched}
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=DAILY_SPEND_MATCHES_TOTAL,
        passed=not mismatches,
        metadata={"mismatches": dg.MetadataValue.json(mismatches), "partitions_compared": compared},
    )
