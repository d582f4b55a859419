"""Keep the warehouse compact: what a weekly maintenance pass does on each target (no Dagster).

Why: every load of a DuckLake adds a few Parquet files and a snapshot and never removes any, so
after hundreds of loads a query opens hundreds of small files and the catalog keeps every
snapshot. A DuckDB file grows a write-ahead log between checkpoints.

* DuckLake: merge adjacent small files (``ducklake_merge_adjacent_files``), expire snapshots older
  than the retention (``ducklake_expire_snapshots``: time travel stops there; the tables' rows and
  the pipeline's own history tables are untouched), then delete the files no snapshot needs any
  more and that were scheduled for deletion before ``cleanup_after`` (``ducklake_cleanup_old_files``),
  and files no catalog entry names (``ducklake_delete_orphaned_files``, same grace).
* The DuckDB file: a ``CHECKPOINT`` (the WAL into the file, freed blocks reused).
* MotherDuck: nothing; the service keeps its own storage.

It runs on the target's writer, so it waits for a load holding the file lock (file, DuckDB-file
catalog) and, on a Postgres catalog, a commit that conflicts with a concurrent load is retried
like a load's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from recast_pipeline.landing.naming import quote_literal

DEFAULT_CLEANUP_AFTER = timedelta(days=1)  # readers may still scan a file scheduled for deletion


@dataclass(frozen=True)
class MaintenanceReport:
    """What one pass did: the counts before and after (None where the target has no such thing)."""

    target: str  # file, ducklake or motherduck
    actions: tuple[str, ...]
    files_before: int | None = None
    files_after: int | None = None
    snapshots_before: int | None = None
    snapshots_after: int | None = None


def _lake_counts(con, lake: str) -> tuple[int, int]:
    catalog = f"__ducklake_metadata_{lake}"
    files = con.execute(f"SELECT count(*) FROM {catalog}.ducklake_data_file WHERE end_snapshot IS NULL").fetchone()[0]
    snapshots = con.execute(f"SELECT count(*) FROM ducklake_snapshots({quote_literal(lake)})").fetchone()[0]
    return int(files), int(snapshots)


def maintain_lake(con, lake: str, retention_days: float, cleanup_after: timedelta) -> MaintenanceReport:
    files, snapshots = _lake_counts(con, lake)
    name = quote_literal(lake)
    retention = f"now() - INTERVAL {float(retention_days) * 86400:.0f} SECONDS"
    grace = f"now() - INTERVAL {cleanup_after.total_seconds():.0f} SECONDS"
    statements = {
        "merged adjacent files": f"CALL ducklake_merge_adjacent_files({name})",
        f"expired snapshots older than {retention_days:g} days": f"CALL ducklake_expire_snapshots({name}, older_than "
        f"=> {retention})",
        "deleted files scheduled for deletion": f"CALL ducklake_cleanup_old_files({name}, older_than => {grace})",
        "deleted orphaned files": f"CALL ducklake_delete_orphaned_files({name}, older_than => {grace})",
    }
    for statement in statements.values():
        con.execute(statement).fetchall()
    after = _lake_counts(con, lake)
    return MaintenanceReport("ducklake", tuple(statements), files, after[0], snapshots, after[1])


def maintain_file(con) -> MaintenanceReport:
    con.execute("CHECKPOINT")
    return MaintenanceReport("file", ("checkpoint",))
