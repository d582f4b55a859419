"""Concurrent DuckLake writers: a transaction that lost a conflict is run again, a bounded number of times.

Why: a DuckLake with a Postgres catalog takes commits from many processes on many machines at
once; when two loads touch the same catalog entries or rows (``recast_meta``, the refit view, a
table both create), DuckLake refuses the later commit. Nothing of it was written, so the whole
partition transaction simply runs again after a short jittered pause, until it commits, the
attempts run out or the deadline passes: then ``WarehouseConflictError`` says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import duckdb

from recast_pipeline.warehouse.errors import WarehouseConflictError
from recast_pipeline.warehouse.lock import Deadline, pause

T = TypeVar("T")
log = logging.getLogger(__name__)
_MARKERS = ("conflict", "could not serialize access", "deadlock detected")


def is_conflict(error: BaseException) -> bool:
    """A commit refused because another transaction changed the same things first."""
    return isinstance(error, duckdb.Error) and any(marker in str(error).lower() for marker in _MARKERS)


def retry_on_conflict(attempt: Callable[[], T], deadline: Deadline, where: str, max_attempts: int) -> T:
    """``attempt()``, run again after each conflict (jittered backoff) within attempts and deadline."""
    tries = 0
    while True:
        tries += 1
        try:
            return attempt()
        except duckdb.Error as error:
            if not is_conflict(error):
                raise
            if tries >= max_attempts or deadline.remaining <= 0:
                raise WarehouseConflictError(where, tries, deadline.waited, str(error).splitlines()[0]) from None
            log.info(
                "warehouse %s: the load conflicted with another writer (attempt %d), running it again", where, tries
            )
            time.sleep(pause(tries, deadline.remaining))
