"""The local landing folder: stage a report's Parquet files privately, then publish them folder by folder.

Why: readers (DuckDB globs, notebooks) must never see half a partition, a bad CSV must never
replace good files, and keys that disappeared from a report must not leave stale files. So each
landing writes into its own folder under ``<root>/.staging/``; ``publish`` swaps each table's
partition folder by rename (an atomic exchange on Linux, else rename-aside + rename-in) and
deletes the old one afterwards. A process killed while landing leaves only a staging folder,
which nothing reads and a later ``stage()`` removes once it is older than ``stale_after`` and
its process is gone (a landing that waits long for other reports keeps its folder).

Layout: ``<root>/<schema>/<table>/dashboard=<slug>/partition_key=<key>/<key file>.parquet``
with every segment produced by ``naming`` (no segment can be ".", ".." or contain "/"). The
partition is the dashboard's, not the deployment's: a model refresh replaces the same folder
(folders of the older ``deployment_id=<id>`` layout are renamed once, see ``layout``).

``object_store`` is the store for ``s3://`` data dirs; both hand out the same ``Stage``.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path, PurePosixPath

from filelock import FileLock

from recast_pipeline.landing.atomic_rename import swap_in
from recast_pipeline.landing.folders import inside, partition_folder, require_text
from recast_pipeline.landing.layout import migrate_layout
from recast_pipeline.landing.naming import safe_segment, schema_name
from recast_pipeline.landing.stage import Stage
from recast_pipeline.landing.stale_stages import STAGING_DIR, remove_stale_folders, write_owner

PUBLISH_LOCK_TIMEOUT = 300.0


class LandingArea:
    """The Parquet landing folder (``$RECAST_DATA_DIR/parquet``)."""

    def __init__(self, root: str | Path, *, stale_after: float = 3600.0, abandoned_after: float = 24 * 3600.0):
        self.root = Path(root)
        self.staging_root = self.root / STAGING_DIR
        self.stale_after = stale_after
        self.abandoned_after = abandoned_after
        self._layout_checked = False

    def partition_dir(self, report_type: str, table: str, dashboard: str, partition_key: str) -> Path:
        """Final folder of one table's partition; ``table`` is the sanitized identifier."""
        return inside(
            self.root, self.root / schema_name(report_type) / partition_folder(table, dashboard, partition_key)
        )

    def final_file(self, report_type: str, relative: PurePosixPath, file_name: str, publish_id: str) -> Path:
        """Where a staged file lives once published (same name: the folder is swapped whole)."""
        return inside(self.root, self.root / schema_name(report_type) / relative / file_name)

    def stage(self, report_type: str, dashboard: str, partition_key: str) -> Stage:
        self.remove_stale_stages()
        if not self._layout_checked:  # folders of a version from before dashboards, once per area
            migrate_layout(self.root, self.staging_root, PUBLISH_LOCK_TIMEOUT)
            self._layout_checked = True
        dashboard, partition_key = require_text(dashboard, "dashboard"), require_text(partition_key, "partition_key")
        unique = uuid.uuid4().hex[:12]
        name = f"{schema_name(report_type)}-{safe_segment(dashboard)}-{safe_segment(partition_key)}-{unique}"
        directory = inside(self.root, self.staging_root / name)
        directory.mkdir(parents=True)
        write_owner(directory)
        return Stage(self, report_type, dashboard, partition_key, directory)

    def remove_stale_stages(self) -> list[Path]:
        """Delete staging folders of crashed landings: older than ``stale_after`` and owned by a
        process of this host that is gone (or of any owner after ``abandoned_after``)."""
        return remove_stale_folders(self.staging_root, self.stale_after, self.abandoned_after)

    def publish(self, stage: Stage) -> None:
        """Swap the stage's partition folders in; remove the partition from tables it no longer has."""
        produced = {landed.table for landed in stage.tables}
        trash = stage.directory / ".replaced"
        trash.mkdir(exist_ok=True)
        with FileLock(self.staging_root / f"{stage.schema}.publish.lock", timeout=PUBLISH_LOCK_TIMEOUT):
            for identifier in sorted(produced):
                final = self.partition_dir(stage.report_type, identifier, stage.dashboard, stage.partition_key)
                staged = stage.directory / final.relative_to(self.root / stage.schema)
                swap_in(staged, final, trash)
            self._retire_other_tables(stage, produced, trash)

    def _retire_other_tables(self, stage: Stage, produced: set[str], trash: Path) -> None:
        schema_dir = self.root / stage.schema
        if not schema_dir.is_dir():
            return
        for table_dir in schema_dir.iterdir():
            if table_dir.name in produced or not table_dir.is_dir():
                continue
            old = self.partition_dir(stage.report_type, table_dir.name, stage.dashboard, stage.partition_key)
            if old.is_dir():
                os.rename(old, trash / uuid.uuid4().hex)
                for empty in (old.parent, table_dir):
                    try:
                        empty.rmdir()
                    except OSError:
                        break
