"""The warehouse reads behind the asset checks (no Dagster), a few grouped queries per asset.

Why apart from ``checks``: the checks say what passes; this says what the warehouse holds, and
is testable against a DuckDB file alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from recast_pipeline.landing.naming import normalize_column, schema_name, table_identifier

if TYPE_CHECKING:  # checks open the warehouse when they run; loading the code location needs no DuckDB
    from recast_pipeline.warehouse import Warehouse

SPEND_TOLERANCE = 0.005  # relative: Recast rounds each day to cents


@dataclass(frozen=True)
class PartitionRef:
    """One partition as the warehouse stores it, with the Dagster key it is reported under."""

    dashboard: str
    partition_key: str  # the warehouse's partition_key column: the month, or the dashboard
    tag: str  # the Dagster partition key

    def __eq__(self, other) -> bool:
        return isinstance(other, PartitionRef) and (self.dashboard, self.partition_key) == (other.dashboard, other.partition_key)

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
    from recast_pipeline.warehouse import META_SCHEMA

    if not db.exists():
        return []
    _, rows = db.query(
        f"SELECT DISTINCT dashboard, partition_key FROM {META_SCHEMA}.reports WHERE schema_name = ? ORDER BY 1, 2",
        [schema_name(report_type)],
    )
    return [PartitionRef(d, p, p if d == p else f"{d}|{p}") for d, p in rows]


def downloads_by_partition(db: Warehouse, report_type: str, refs: Sequence[PartitionRef]) -> dict[PartitionRef, list[LoadedDownload]]:
    """The loaded partitions among ``refs`` and their downloads, with recorded and actual rows."""
    from recast_pipeline.warehouse import META_SCHEMA

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


def spend_mismatch(db: Warehouse, dashboard: str, partition_key: str) -> dict | None:
    """None when the daily channel columns sum to the total table's spend, else what disagrees."""
    schema = "compute_spend_summary"
    daily, total = table_identifier("tables-daily"), table_identifier("tables-total")
    key = [dashboard, partition_key]
    daily_columns, _ = db.query(f'SELECT * FROM "{schema}"."{daily}" LIMIT 0')
    _, rows = db.query(
        f'SELECT channel, sum(spend) FROM "{schema}"."{total}" WHERE dashboard = ? AND partition_key = ? GROUP BY 1', key
    )
    columns = [normalize_column(str(channel)) for channel, _ in rows]
    unmatched = [c for c in columns if c not in daily_columns]
    spend_total = sum(spend or 0.0 for _, spend in rows)
    daily_total = 0.0
    if columns and not unmatched:
        sums = " + ".join(f'coalesce(sum("{c}"), 0)' for c in columns)
        _, [(daily_total,)] = db.query(
            f'SELECT {sums} FROM "{schema}"."{daily}" WHERE dashboard = ? AND partition_key = ?', key
        )
    if unmatched or not rows or abs(daily_total - spend_total) > SPEND_TOLERANCE * max(abs(spend_total), 1.0):
        return {"daily": daily_total, "total": spend_total, "channels_missing_daily": unmatched}
    return None
