"""One report partition being landed: converted into a private folder, then published or discarded.

Why a stage: a bad CSV must never replace good files, and readers must never see half a
partition. Conversion always writes to a local folder; only publishing differs between the
local folder (``local_store``) and object storage (``object_store``).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Protocol, cast

from recast_pipeline.landing.folders import inside, partition_folder
from recast_pipeline.landing.landed_types import LandedTable, Lineage
from recast_pipeline.landing.naming import (
    normalize_columns,
    parquet_file_name,
    safe_name,
    schema_name,
    table_identifier,
)
from recast_pipeline.landing.parquet import csv_to_parquet


class LandingStore(Protocol):
    """Where landed Parquet is published: ``LandingArea`` (a folder) or ``ObjectStoreArea`` (S3).

    Both stage on local disk (``stage``); they differ in where a staged file ends up
    (``final_file``) and how a stage becomes live (``publish``, called by ``Stage.publish``)."""

    @property
    def root(self) -> Path | str: ...  # read-only here: a Path in LandingArea, an s3:// URL in ObjectStoreArea

    def stage(self, report_type: str, dashboard: str, partition_key: str) -> Stage: ...

    def remove_stale_stages(self) -> list: ...

    def final_file(self, report_type: str, relative: PurePosixPath, file_name: str, publish_id: str) -> Path | str: ...

    def publish(self, stage: Stage) -> None: ...


class Stage:
    """One report partition being landed: ``land`` each download, then ``publish`` or ``discard``.

    As a context manager it discards whatever was not published, also on errors.
    """

    def __init__(
        self,
        area: LandingStore,
        report_type: str,
        dashboard: str,
        partition_key: str,
        directory: Path,
        publish_id: str = "",
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
        for other in self._tables.values():  # not published (checked above): every path is a local Path
            if (
                other.table == identifier
                and cast(Path, other.path).name == file_name
                and other.download_key != download_key
            ):
                raise ValueError(f"download keys {download_key!r} and {other.download_key!r} map to one file name")
        relative = partition_folder(identifier, self.dashboard, self.partition_key)
        staged_dir = inside(self.directory, self.directory / relative)
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
            cast(Path, previous.path).unlink(missing_ok=True)
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
