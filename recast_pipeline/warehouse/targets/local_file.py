"""The default target: one DuckDB file, one writing process at a time.

Writers queue on a file lock, anything else holding the file is waited out (``lock``); a new file
gets the configured ``storage_version``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import timedelta
from pathlib import Path

import duckdb

from recast_pipeline.warehouse.lock import Deadline, connect, writer_lock
from recast_pipeline.warehouse.maintenance import MaintenanceReport, maintain_file
from recast_pipeline.warehouse.targets.base import WRITER_CONFIG


class LocalFile:
    """The DuckDB file: the default, shared by the pipeline's processes on one machine."""

    kind = "file"
    retries_conflicts = False
    max_attempts = 1  # writers queue on the file lock: nothing to retry

    def __init__(self, path: str | os.PathLike, storage_version: str):
        self.path = Path(path)
        self.storage_version = storage_version

    @property
    def database_name(self) -> str:
        return self.path.stem

    @property
    def file_path(self) -> Path:
        return self.path

    def describe(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        return self.path.exists()

    @contextmanager
    def writer(self, deadline: Deadline) -> Iterator[duckdb.DuckDBPyConnection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        config = {**WRITER_CONFIG, "storage_compatibility_version": self.storage_version}
        with (
            writer_lock(self.path, deadline),
            closing(connect(self.path, read_only=False, deadline=deadline, config=config)) as con,
        ):
            yield con

    @contextmanager
    def reader(self, deadline: Deadline) -> Iterator[duckdb.DuckDBPyConnection | None]:
        if not self.path.exists():
            yield None
            return
        with closing(connect(self.path, read_only=True, deadline=deadline)) as con:
            yield con

    def prepare_writer(self, con: duckdb.DuckDBPyConnection) -> None:
        pass

    def maintain(
        self, con: duckdb.DuckDBPyConnection, retention_days: float, cleanup_after: timedelta
    ) -> MaintenanceReport:
        return maintain_file(con)
