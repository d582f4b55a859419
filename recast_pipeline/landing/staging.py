"""Stage a report's Parquet files privately, then publish them partition folder by folder.

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

This is the local-folder store; ``object_store`` is the one for ``s3://`` data dirs. Both hand
out the same ``Stage``: conversion always writes to a local folder, only publishing differs.
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import socket
import time
import uuid
from collections.abc import Mapping
from typing import Protocol
from pathlib import Path, PurePosixPath

from filelock import FileLock

from recast_pipeline.landing.layout import migrate_layout
from recast_pipeline.landing.landed_types import LandedTable, Lineage
from recast_pipeline.landing.naming import normalize_columns, parquet_file_name, safe_name, safe_segment, schema_name, table_identifier
from recast_pipeline.landing.parquet import csv_to_parquet

STAGING_DIR = ".staging"
PUBLISH_LOCK_TIMEOUT = 300.0
_OWNER = ".owner"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@functools.cache
def _renameat2():
    try:
        return ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where unsupported."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def _owner_alive(directory: Path) -> bool:
    """Whether the process that created a staging folder still runs (owners on other hosts are
    assumed alive; a folder without an owner file counts as abandoned)."""
    try:
        host, pid = (directory / _OWNER).read_text().split()
    except (OSError, ValueError):
        return False
    if host != socket.gethostname():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True


def _text(value: str, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty string, got {value!r}")
    return value


def _inside(root: Path, path: Path) -> Path:
    if not path.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"refusing to write outside the landing folder: {path}")
    return path


class LandingStore(Protocol):
    """Where landed Parquet is published: ``LandingArea`` (a folder) or ``ObjectStoreArea`` (S3).

    Both stage on local disk (``stage``); they differ in where a staged file ends up
    (``final_file``) and how a stage becomes live (``publish``, called by ``Stage.publish``)."""

    root: Path | str

    def stage(self, report_type: str, dashboard: str, partition_key: str) -> Stage: ...

    def remove_stale_stages(self) -> list: ...

    def final_file(self, report_type: str, relative: PurePosixPath, file_name: str, publish_id: str) -> Path | str: ...

    def publish(self, stage: Stage) -> None: ...


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
        return _inside(self.root, self.root / schema_name(report_type) / partition_folder(table, dashboard, partition_key))

    def final_file(self, report_type: str, relative: PurePosixPath, file_name: str, publish_id: str) -> Path:
        """Where a staged file lives once published (same name: the folder is swapped whole)."""
        return _inside(self.root, self.root / schema_name(report_type) / relative / file_name)

    def stage(self, report_type: str, dashboard: str, partition_key: str) -> Stage:
        self.remove_stale_stages()
        if not self._layout_checked:  # folders of a version from before dashboards, once per area
            migrate_layout(self.root, self.staging_root, PUBLISH_LOCK_TIMEOUT)
            self._layout_checked = True
        dashboard, partition_key = _text(dashboard, "dashboard"), _text(partition_key, "partition_key")
        name = f"{schema_name(report_type)}-{safe_segment(dashboard)}-{safe_segment(partition_key)}-{uuid.uuid4().hex[:12]}"
        directory = _inside(self.root, self.staging_root / name)
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
                _swap_in(staged, final, trash)
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


def partition_folder(table: str, dashboard: str, partition_key: str) -> PurePosixPath:
    """``<table>/dashboard=<slug>/partition_key=<key>``: one table's partition, below its schema."""
    return PurePosixPath(
        _text(table, "table"),
        f"dashboard={safe_segment(_text(dashboard, 'dashboard'))}",
        f"partition_key={safe_segment(_text(partition_key, 'partition_key'))}",
    )


def write_owner(directory: Path) -> None:
    (directory / _OWNER).write_text(f"{socket.gethostname()} {os.getpid()}")


def remove_stale_folders(parent: Path, stale_after: float, abandoned_after: float) -> list[Path]:
    """Delete the folders under ``parent`` older than ``stale_after`` whose owning process of this
    host is gone (or of any owner after ``abandoned_after``)."""
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    now = time.time()
    for entry in parent.iterdir():
        try:
            age = now - entry.stat().st_mtime
            if entry.is_dir() and age > stale_after and (age > abandoned_after or not _owner_alive(entry)):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        except FileNotFoundError:
            continue
    return removed


def _swap_in(staged: Path, final: Path, trash: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    if not final.exists():
        os.rename(staged, final)
    elif not _exchange(staged, final):  # fallback: the folder is missing for an instant
        os.rename(final, trash / uuid.uuid4().hex)
        os.rename(staged, final)


class Stage:
    """One report partition being landed: ``land`` each download, then ``publish`` or ``discard``.

    As a context manager it discards whatever was not published, also on errors.
    """

    def __init__(
        self, area: LandingStore, report_type: str, dashboard: str, partition_key: str, directory: Path, publish_id: str = ""
    ):
        self.area = area
        self.publish_id = publish_id or uuid.uuid4().hex[:12]
        self.report_type = report_type
        self.schema = schema_name(report_type)
        self.dashboard = dashboard
        self.partition_key = partition_key
        self.directory = directory
        self._tables: dict[str, LandedTable] = {}  # by download key, in landing order
        self._identifiers: dict[str, str] = {}  # sanitized identifier -> logical table
        self._published = False

    @property
    def tables(self) -> list[LandedTable]:
        """Landed tables; after ``publish`` their ``path`` is the final location."""
        return list(self._tables.values())

    def _identifier(self, logical_table: str) -> str:
        for identifier in (table_identifier(logical_table), safe_name(logical_table)):
            if self._identifiers.setdefault(identifier, logical_table) == logical_table:
                return identifier
        raise ValueError(f"tables {logical_table!r} and {self._identifiers[identifier]!r} map to one name")

    def land(
        self,
        csv_path: str | Path,
        *,
        download_key: str,
        lineage: Lineage,
        table: str | None = None,
        parts: Mapping[str, str] | None = None,
    ) -> LandedTable:
        """Convert one downloaded CSV into this stage (see ``csv_to_parquet`` for errors)."""
        if self._published:
            raise RuntimeError("this stage was already published")
        if lineage.partition != (self.dashboard, self.partition_key):
            raise ValueError(
                f"lineage {lineage.dashboard!r}/{lineage.partition_key!r} does not match "
                f"the stage {self.dashboard!r}/{self.partition_key!r}"
            )
        logical = table if table is not None else download_key
        identifier = self._identifier(logical)
        file_name = parquet_file_name(download_key)
        for other in self._tables.values():
            if other.table == identifier and other.path.name == file_name and other.download_key != download_key:
                raise ValueError(f"download keys {download_key!r} and {other.download_key!r} map to one file name")
        relative = partition_folder(identifier, self.dashboard, self.partition_key)
        staged_dir = _inside(self.directory, self.directory / relative)
        converted = csv_to_parquet(
            csv_path, staged_dir / file_name, download_key=download_key, lineage=lineage, parts=parts
        )
        os.utime(self.directory)  # keeps a long landing from looking stale
        landed = LandedTable(
            table=identifier,
            logical_table=logical,
            download_key=download_key,
            parts=dict(zip(normalize_columns(list(parts or {})), (parts or {}).values())),
            path=converted.path,
            final_path=self.area.final_file(self.report_type, relative, file_name, self.publish_id),
            rows=converted.rows,
            columns=converted.columns,
            lineage=lineage,
        )
        previous = self._tables.pop(download_key, None)
        if previous is not None and previous.path != landed.path:  # landed again into another table
            previous.path.unlink(missing_ok=True)
        self._tables[download_key] = landed
        return landed

    def publish(self) -> list[LandedTable]:
        """Make the staged partitions the live ones; remove this partition from tables the report
        no longer produces. Returns the tables with their final paths."""
        if self._published:
            return self.tables
        self.area.publish(self)
        self._published = True
        self._tables = {key: landed.as_published() for key, landed in self._tables.items()}
        shutil.rmtree(self.directory, ignore_errors=True)
        return self.tables

    def discard(self) -> None:
        """Forget everything staged; the live folders stay as they were."""
        shutil.rmtree(self.directory, ignore_errors=True)
        if not self._published:
            self._tables.clear()

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc_info) -> None:
        self.discard()
