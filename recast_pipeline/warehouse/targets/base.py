"""What every warehouse target offers: ``Warehouse`` uses only this, never the concrete class.

Why a protocol: the load transaction, maintenance and readers are the same SQL wherever the
tables live; a target only says how to open a writer and a reader, whether it retries conflicts
instead of locking, and what its own maintenance is.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import duckdb

    from recast_pipeline.warehouse.lock import Deadline
    from recast_pipeline.warehouse.maintenance import MaintenanceReport

# Without insertion order DuckDB writes big inserts straight to their final blocks in parallel
# instead of through the WAL plus a checkpoint at close: loads take about half the time (and
# the lock is held half as long). Row order in tables is unspecified anyway; use ORDER BY.
# Each full row group is compressed and flushed as soon as it fills, by the thread that filled it,
# instead of five being buffered and flushed together at the end: a million-row insert takes 0.9 s
# instead of 1.45 s on two cores, and half the memory (benchmarks/load.py).
DuckDBConfig = dict[str, str | bool | int | float | list[str]]  # ``duckdb.connect``'s ``config``
WRITER_CONFIG: DuckDBConfig = {"preserve_insertion_order": False, "write_buffer_row_group_count": 1}
# Extensions come from the installed wheels; a missing one must fail, not be fetched.
OFFLINE: DuckDBConfig = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


class WarehouseTarget(Protocol):
    """A DuckDB file, a DuckLake or a MotherDuck database, as the warehouse sees it."""

    kind: str  # "file", "ducklake", "motherduck": for messages and maintenance reports

    @property
    def retries_conflicts(
        self,
    ) -> bool: ...  # True: writers commit concurrently and conflicts are retried; False: a file lock

    max_attempts: int  # tries of a conflicting transaction (1 where a lock serializes writers)

    @property
    def database_name(self) -> str: ...

    @property
    def file_path(self) -> Path | None:
        """The DuckDB file (the local target only)."""
        ...

    def describe(self) -> str: ...

    def exists(self) -> bool: ...

    def writer(self, deadline: Deadline) -> AbstractContextManager[duckdb.DuckDBPyConnection]: ...

    def reader(self, deadline: Deadline) -> AbstractContextManager[duckdb.DuckDBPyConnection | None]: ...

    def prepare_writer(self, con: duckdb.DuckDBPyConnection) -> None:
        """Anything a load needs on the writer before its transaction."""
        ...

    def maintain(
        self, con: duckdb.DuckDBPyConnection, retention_days: float, cleanup_after: timedelta
    ) -> MaintenanceReport:
        """The target's own maintenance, on its writer."""
        ...
