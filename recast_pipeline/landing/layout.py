"""Landing folders from before dashboards: ``deployment_id=<id>/`` becomes ``dashboard=<id>/``.

Why: partitions used to be named by deployment; the warehouse migration gives those rows the
dashboard named by their deployment id (DESIGN.md: a deployment without a dashboard stands for
the dashboard named by its id). Moving their Parquet folders the same way keeps one hive layout
per table, so ``read_parquet('<table>/**/*.parquet', hive_partitioning = true)`` keeps working
and reads the old files with ``dashboard`` = the id. A partition loaded again since (a
``dashboard=<id>/partition_key=<key>`` folder exists) makes its old copy stale: it is removed.
Runs under each schema's publish lock, so it never races a publish.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from filelock import FileLock

OLD_PREFIX = "deployment_id="
NEW_PREFIX = "dashboard="


def _old_folders(schema_dir: Path) -> list[Path]:
    return sorted(
        old for table in schema_dir.iterdir() if table.is_dir() for old in table.glob(f"{OLD_PREFIX}*") if old.is_dir()
    )


def migrate_layout(root: Path, lock_dir: Path, timeout: float) -> list[Path]:
    """Rename every ``<schema>/<table>/deployment_id=<id>`` under ``root``; returns the new folders."""
    moved: list[Path] = []
    if not root.is_dir():
        return moved
    for schema_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not _old_folders(schema_dir):
            continue
        lock_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(lock_dir / f"{schema_dir.name}.publish.lock", timeout=timeout):
            for old in _old_folders(schema_dir):  # again: another process may have moved them meanwhile
                new = old.with_name(NEW_PREFIX + old.name.removeprefix(OLD_PREFIX))
                new.mkdir(exist_ok=True)
                for partition in sorted(old.iterdir()):
                    target = new / partition.name
                    if target.exists():
                        shutil.rmtree(partition) if partition.is_dir() else partition.unlink()
                    else:
                        os.rename(partition, target)
                old.rmdir()
                moved.append(new)
    return moved
