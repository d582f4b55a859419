"""The warehouse reads behind the asset checks (no Dagster), a few grouped queries per asset.

Why apart from ``checks``: the checks say what passes; this says what the warehouse holds, and
is testable against a DuckDB file alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from recast_pipeline.landing.naming import schema_name

if TYPE_CHECKING:  # checks open the warehouse when they run; loading the code location needs no DuckDB
    from recast_pipeline.warehouse.warehouse import Warehouse

SPEND_TOLERANCE = 0.005  # relative: Recast rounds each day to cents
SPEND_REPORT_TYPE = "compute_spend_summary"


@dataclass(frozen=True)
class PartitionRef:
    """One partition as the warehouse stores it, with the Dagster key it is reported under."""

    dashboard: str
    partition_key: str  # the warehouse's partition_key column: the month, or the dashboard
    tag: str  # the Dagster partition key

    def __eq__(self, other) -> bool:
        return isinstance(other, PartitionRef) and (self.dashboard, self.partition_key) == (
            other.dashboard,
            other.partition_key,
        )

    def __hash__(self) -> int:
        return hash((self.dashboard, self.partition_key))


@dataclass(frozen=True)
class LoadedDownload:
    key: str
    table: str
    recorded: int  # rows the load recorded in recast_meta.downloads
    actual: int  # rows of the partition and download in the table now


def loaded_partitions(db: Warehouse, report_type: str) -> list[PartitionRef]:
    """Every partition of the report type the warehouse holds (empty without a warehouse)."""
    from recast_pipeline.warehouse.meta import META_SCHEMA

    if not db.exists():
        return []
    _, rows = db.query(
        f"SELECT DISTINCT dashboard, partition_key FROM {META_SCHEMA}.reports WHERE schema_name = ? ORDER BY 1, 2",
        [schema_name(report_type)],
    )
    return [PartitionRef(d, p, p if d == p else f"{d}|{p}") for d, p in rows]


def downloads_by_partition(
    db: Warehouse, report_type: str, refs: Sequence[PartitionRef]
) -> dict[PartitionRef, list[LoadedDownload]]:
    """The loaded partitions among ``refs`` and their downloads, with recorded and actual rows."""
    from recast_pipeline.warehouse.meta import META_SCHEMA

    if not refs or not db.exists():
        return {}
    schema = schema_name(report_type)
    wanted = {(r.dashboard, r.partition_key): r for r in refs}
    _, reports = db.query(
        f"SELECT DISTINCT dashboard, partition_key FROM {META_SCHEMA}.reports WHERE schema_name = ?", [schema]
    )
    result = {wanted[key]: [] for key in map(tuple, reports) if key in wanted}
    _, rows = db.query(
        f"SELECT dashboard, partition_key, download_key, table_name, row_count FROM {META_SCHEMA}.downloads "
        "WHERE schema_name = ? ORDER BY download_key",
        [schema],
    )
    counts = _table_counts(db, schema, sorted({table for *_, table, _ in rows}))
    for dashboard, partition_key, key, table, recorded in rows:
        ref = wanted.get((dashboard, partition_key))
        if ref is not None and ref in result:
            actual = counts.get((table, dashboard, partition_key, key), 0)
            result[ref].append(LoadedDownload(key, table, int(recorded or 0), actual))
    return result


def _table_counts(db: Warehouse, schema: str, tables: Sequence[str]) -> dict[tuple, int]:
    """Rows per (table, dashboard, partition, download) in one grouped query per table."""
    counts: dict[tuple, int] = {}
    for table in tables:
        _, rows = db.query(
            f'SELECT dashboard, partition_key, download_key, count(*) FROM "{schema}"."{table}" GROUP BY 1, 2, 3'
        )
        counts.update({(table, d, p, k): n for d, p, k, n in rows})
    return counts


@dataclass(frozen=True)
class SpendComparison:
    """Daily vs total spend of one partition, per channel, from ``recast_marts.channel_spend``.

    ``mismatches``: channel -> {daily, total} where they disagree; ``unreadable``: why the two
    could not be compared (a download missing, or in a layout no mart could read), else empty."""

    mismatches: dict[str, dict[str, float | None]]
    unreadable: list[str]


def compare_spend(db: Warehouse, dashboard: str, partition_key: str) -> SpendComparison:
    from recast_pipeline.warehouse.marts import MARTS_SCHEMA
    from recast_pipeline.warehouse.meta import META_SCHEMA

    key = [SPEND_REPORT_TYPE, dashboard, partition_key]
    _, rows = db.query(
        f"SELECT channel, sum(spend) FILTER (WHERE grain = 'daily'), sum(spend) FILTER (WHERE grain = 'total'), "
        f"count(*) FILTER (WHERE grain = 'daily'), count(*) FILTER (WHERE grain = 'total') "
        f"FROM {MARTS_SCHEMA}.channel_spend WHERE report_type = ? AND dashboard = ? AND partition_key = ? GROUP BY 1",
        key,
    )
    have = {grain: any(row[n] for row in rows) for grain, n in (("daily", 3), ("total", 4))}
    if not all(have.values()):
        return SpendComparison({}, _why_unreadable(db, META_SCHEMA, key, [g for g, ok in have.items() if not ok]))
    mismatches = {}
    for channel, daily, total, _, _ in rows:
        daily, total = daily or 0.0, total or 0.0
        if abs(daily - total) > SPEND_TOLERANCE * max(abs(total), 1.0):
            mismatches[str(channel)] = {"daily": daily, "total": total}
    return SpendComparison(mismatches, [])


def _why_unreadable(db: Warehouse, meta: str, key: list[str], grains: list[str]) -> list[str]:
    """Per missing grain: the download's layout and the columns it came with, or that it is absent."""
    _, rows = db.query(
        f"SELECT download_key, layout, layout_note, columns FROM {meta}.downloads "
        f"WHERE report_type = ? AND dashboard = ? AND partition_key = ?",
        key,
    )
    found = {download_key: (layout, note, columns) for download_key, layout, note, columns in rows}
    reasons = []
    for grain in grains:
        download_key = f"tables-{grain}"
        if download_key not in found:
            reasons.append(f"{download_key}: not in the report")
            continue
        layout, note, columns = found[download_key]
        headers = ", ".join(c.get("original") or c["name"] for c in json.loads(columns or "[]"))
        reasons.append(f"{download_key}: layout {layout or 'unknown'}: {note or 'saw ' + headers}")
    return reasons
