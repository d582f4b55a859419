"""MotherDuck: a database of the hosted service (``md:<database>``), through DuckDB's extension.

Remote, so no file lock: writers from any machine commit through the service, and one that
conflicts with another (DuckDB's optimistic concurrency) is retried like a DuckLake's. Token,
extension and location rules are in ``motherduck_access``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import timedelta
from typing import Any

import duckdb

from recast_pipeline.landing.naming import quote_identifier
from recast_pipeline.warehouse.lock import Deadline
from recast_pipeline.warehouse.maintenance import MaintenanceReport
from recast_pipeline.warehouse.targets import motherduck_access as motherduck
from recast_pipeline.warehouse.targets.base import OFFLINE, WRITER_CONFIG, DuckDBConfig


class MotherDuck:
    """A MotherDuck database (``md:<database>``), created by the first load.

    Each writer and reader is a fresh in-memory DuckDB that loads the extension and attaches the
    workspace (``ATTACH 'md:'``); the token is read by the extension from ``MOTHERDUCK_TOKEN``.
    Opening is bounded by the operation's deadline: an unreachable service fails the load, it
    does not hang it. Loads run in the local DuckDB and read the landed Parquet files (Dual
    Execution), which is why ``saas_mode`` stays off."""

    kind = "motherduck"
    retries_conflicts = True

    def __init__(self, location: str | os.PathLike, *, max_attempts: int = 20):
        self.database = motherduck.database_name(location)
        self.max_attempts = max_attempts

    @property
    def database_name(self) -> str:
        return self.database

    @property
    def file_path(self) -> None:
        return None

    def describe(self) -> str:
        return f"md:{self.database}"

    def exists(self) -> bool:
        with self.reader(Deadline(30.0)) as con:
            return con is not None

    def connection_config(self, *, read_only: bool) -> DuckDBConfig:
        """The local DuckDB's settings: no extension download, no token (the extension reads the environment)."""
        return dict(OFFLINE) if read_only else {**OFFLINE, **WRITER_CONFIG}

    def setup_sql(self, *, create: bool) -> list[str]:
        """After ``LOAD``: attach the workspace, make the database if a writer needs it, use it."""
        name = quote_identifier(self.database)
        return ["ATTACH 'md:'", *([f"CREATE DATABASE IF NOT EXISTS {name}"] if create else []), f"USE {name}"]

    def _open(self, *, create: bool) -> duckdb.DuckDBPyConnection | None:
        con = duckdb.connect(":memory:", config=self.connection_config(read_only=not create))
        try:
            con.execute("SET enable_progress_bar = false")
            try:
                con.execute(motherduck.load_sql())
            except duckdb.Error as error:
                raise motherduck.unavailable(error) from None
            attach, *rest = self.setup_sql(create=create)
            try:
                con.execute(attach)
                if (
                    not create
                    and not con.execute(
                        "SELECT 1 FROM duckdb_databases() WHERE lower(database_name) = lower(?)", [self.database]
                    ).fetchone()
                ):
                    con.close()
                    return None  # never written: no database yet
                for statement in rest:
                    con.execute(statement)
            except duckdb.Error as error:
                raise motherduck.MotherDuckUnavailable(
                    f"could not open the MotherDuck database {self.describe()}: "
                    f"{motherduck.redact(str(error)).splitlines()[0]}"
                ) from None
            return con
        except BaseException:
            con.close()
            raise

    def _open_within(self, deadline: Deadline, *, create: bool) -> duckdb.DuckDBPyConnection | None:
        """``_open`` in a helper thread, given up at the deadline (a connection made later is closed)."""
        motherduck.require_token()
        outcome: dict[str, Any] = {}  # "con": a connection or None, or "error": what _open raised
        done, abandoned = threading.Event(), threading.Event()

        def run() -> None:
            try:
                outcome["con"] = self._open(create=create)
            except BaseException as error:  # handed to the waiting thread
                outcome["error"] = error
            finally:
                done.set()
                if abandoned.is_set() and (con := outcome.get("con")) is not None:
                    con.close()

        threading.Thread(target=run, name="motherduck-open", daemon=True).start()
        if not done.wait(deadline.remaining):
            abandoned.set()
            if done.is_set() and outcome.get("con") is not None:
                outcome["con"].close()
            raise motherduck.MotherDuckUnavailable(
                f"MotherDuck ({self.describe()}) did not answer within {deadline.timeout:g} s (lock_timeout): "
                "is api.motherduck.com reachable from here?"
            )
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("con")

    @contextmanager
    def _redacted(self) -> Iterator[None]:
        """DuckDB's errors pass through without the token (same type, so conflicts are still retried)."""
        try:
            yield
        except duckdb.Error as error:
            clean = motherduck.redact(str(error))
            if clean == str(error):
                raise
            raise type(error)(clean) from None

    @contextmanager
    def writer(self, deadline: Deadline) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self._open_within(deadline, create=True)
        assert con is not None
        with closing(con), self._redacted():
            yield con

    @contextmanager
    def reader(self, deadline: Deadline) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """None when the database was never written."""
        con = self._open_within(deadline, create=False)
        if con is None:
            yield None
            return
        with closing(con), self._redacted():
            yield con

    def prepare_writer(self, con: duckdb.DuckDBPyConnection) -> None:
        pass

    def maintain(
        self, con: duckdb.DuckDBPyConnection, retention_days: float, cleanup_after: timedelta
    ) -> MaintenanceReport:
        """The service compacts and checkpoints its databases itself."""
        return MaintenanceReport(self.kind, ())
