"""One writing process at a time, with bounded, jittered waiting instead of failures.

Why: DuckDB lets one process write a database file, and a second process (another Dagster step,
an analyst's notebook) that merely has it open makes ``connect`` fail at once. Pipeline writers
queue on a file lock (``<warehouse>.lock``) so they never collide with each other; anything else
holding the file (DuckDB names its PID) is waited out with jittered backoff until a deadline,
then reported with ``WarehouseBusyError`` naming the holder and the time waited. The lock is held
only for the short load transaction; Parquet is written before, outside it.
"""

from __future__ import annotations

import os
import random
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

import duckdb
from filelock import FileLock, Timeout

from recast_pipeline.warehouse.errors import WarehouseBusyError

_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")
_CONFLICT_MARKERS = ("Could not set lock", "Conflicting lock", "different configuration")
T = TypeVar("T")
_FIRST_PAUSE = 0.05
_LONGEST_PAUSE = 1.0


class Deadline:
    """Time budget shared by every wait of one operation."""

    def __init__(self, timeout: float):
        self.started = time.monotonic()
        self.timeout = timeout

    @property
    def waited(self) -> float:
        return time.monotonic() - self.started

    @property
    def remaining(self) -> float:
        return max(0.0, self.timeout - self.waited)


def holder_of(error: Exception) -> str | None:
    """ "process 1234 (/usr/bin/python3)" from DuckDB's lock error, when it says so."""
    found = _HOLDER.search(str(error))
    if found is None:
        return None
    return f"process {found.group('pid')} ({found.group('program')})"


def holder_pid(error: Exception) -> int | None:
    found = _HOLDER.search(str(error))
    return int(found.group("pid")) if found else None


def is_lock_conflict(error: Exception) -> bool:
    return isinstance(error, (duckdb.IOException, duckdb.ConnectionException)) and any(
        marker in str(error) for marker in _CONFLICT_MARKERS
    )


def pause(attempt: int, remaining: float) -> float:
    """Exponential backoff with jitter, never past the deadline."""
    return min(remaining, min(_LONGEST_PAUSE, _FIRST_PAUSE * 2**attempt) * random.uniform(0.5, 1.0))


def connect(
    path: Path,
    *,
    read_only: bool,
    deadline: Deadline,
    config: dict[str, str | bool | int | float | list[str]] | None = None,
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` that waits (bounded) while another process holds the file."""

    def opened() -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(path), read_only=read_only, config=config or {})
        con.execute("SET enable_progress_bar = false")  # never draw on a step's or the CLI's stdout
        return con

    return open_when_free(opened, str(path), deadline)


def open_when_free(opener: Callable[[], T], name: str, deadline: Deadline) -> T:
    """``opener()``, retried with jittered backoff while another process holds the DuckDB file
    ``name`` (the warehouse, or a DuckLake's catalog file), until the deadline."""
    attempt = 0
    while True:
        try:
            return opener()
        except (duckdb.IOException, duckdb.ConnectionException) as error:
            if not is_lock_conflict(error):
                raise
            if deadline.remaining <= 0:
                detail = str(error).splitlines()[0].split(". However")[0]
                raise WarehouseBusyError(name, deadline.waited, holder_of(error), detail) from None
            time.sleep(pause(attempt, deadline.remaining))
            attempt += 1


def _owner_file(path: Path) -> Path:
    return path.with_name(f"{path.name}.lock.owner")


@contextmanager
def writer_lock(path: Path, deadline: Deadline) -> Iterator[None]:
    """Exclusive among pipeline writers (all processes on this machine or share)."""
    lock = FileLock(f"{path}.lock", timeout=deadline.remaining)
    try:
        lock.acquire()
    except Timeout:
        try:
            holder = _owner_file(path).read_text().strip() or None
        except OSError:
            holder = None
        raise WarehouseBusyError(
            str(path), deadline.waited, holder, "another pipeline load holds the writer lock"
        ) from None
    owner = _owner_file(path)
    try:
        since = datetime.now(timezone.utc).isoformat(timespec="seconds")
        owner.write_text(f"pipeline process {os.getpid()} on {socket.gethostname()} since {since}")
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()
