"""DuckLake: DuckDB's lakehouse format (a catalog database plus Parquet data files).

The catalog is a Postgres database (``postgres:<libpq conninfo>``) or a DuckDB file; data files are
Parquet under a local folder or an ``s3://`` URL. With Postgres, any number of writers on any
machines commit concurrently: a transaction that conflicts with another one is retried
(``retries_conflicts``) instead of queueing on a lock. A DuckDB-file catalog is opened by one
process at a time, so it keeps the file lock of the local file. The ``ducklake``, ``postgres`` and
``httpfs`` extensions are loaded from the installed wheels, never downloaded; S3 credentials come
from the usual AWS variables into a temporary secret of the connection, never logged or stored.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import timedelta
from pathlib import Path

import duckdb

from recast_pipeline.config.settings import Settings
from recast_pipeline.landing.naming import quote_literal
from recast_pipeline.warehouse import meta
from recast_pipeline.warehouse.errors import WarehouseError
from recast_pipeline.warehouse.lake_access import S3Settings, loadable_extension, redact, refuse_password
from recast_pipeline.warehouse.lock import Deadline, open_when_free, pause, writer_lock
from recast_pipeline.warehouse.maintenance import MaintenanceReport, maintain_lake
from recast_pipeline.warehouse.options import DUCKLAKE_PREFIX
from recast_pipeline.warehouse.targets.base import OFFLINE, WRITER_CONFIG

LAKE_ALIAS = "lake"
_SHARED: dict[tuple, duckdb.DuckDBPyConnection] = {}
_SHARED_LOCK = threading.Lock()
_SHARED_MAX = 4
_REMOTE_SCHEMES = ("s3", "s3a", "gcs", "gs", "r2", "http", "https")


class DuckLake:
    """A DuckLake: ``catalog`` is ``postgres:<conninfo>`` or a DuckDB file (``x.ducklake``);
    ``data_path`` a folder or ``s3://bucket/prefix/`` (needed when the lake is created; later
    attaches read it from the catalog)."""

    kind = "ducklake"

    def __init__(self, catalog: str, data_path: str = "", *, max_attempts: int = 20):
        catalog = catalog.strip()
        if catalog.startswith(DUCKLAKE_PREFIX):
            catalog = catalog[len(DUCKLAKE_PREFIX) :]
        if not catalog:
            raise ValueError(
                "RECAST_WAREHOUSE=ducklake: needs a catalog, e.g. 'ducklake:postgres:dbname=recast host=db'"
            )
        refuse_password(catalog)
        self.catalog = catalog
        self.data_path = data_path.strip()
        self.max_attempts = max_attempts

    @property
    def retries_conflicts(self) -> bool:
        """A Postgres catalog takes concurrent writers (conflicts retried); a file, one at a time (locked)."""
        return self.catalog_file is None

    @property
    def catalog_file(self) -> Path | None:
        """The DuckDB catalog file, or None for a Postgres (or other database server) catalog."""
        if self.catalog.startswith(("postgres:", "mysql:", "sqlite:")):
            return None
        return Path(self.catalog.removeprefix("duckdb:"))

    @property
    def database_name(self) -> str:
        return LAKE_ALIAS

    @property
    def file_path(self) -> None:
        return None

    def describe(self) -> str:
        where = f" (data {self.data_path})" if self.data_path else ""
        return f"{DUCKLAKE_PREFIX}{redact(self.catalog)}{where}"

    def exists(self) -> bool:
        if self.catalog_file is not None:
            return self.catalog_file.exists()
        with self.reader(Deadline(30.0)) as con:
            return con is not None

    def _extensions(self) -> list[str]:
        """httpfs always: a reader without ``data_path`` learns from the catalog where the data is."""
        return ["ducklake", *(["postgres"] if self.catalog.startswith("postgres:") else []), "httpfs"]

    def _wants_s3_secret(self) -> bool:
        aws = Settings.from_env().aws
        return _is_remote(self.data_path) or bool(aws.access_key_id or aws.endpoint_url)

    def _open(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        config = dict(OFFLINE) if read_only else {**OFFLINE, **WRITER_CONFIG}
        con = duckdb.connect(":memory:", config=config)
        try:
            con.execute("SET enable_progress_bar = false")
            for name in self._extensions():
                con.execute(f"LOAD {quote_literal(str(loadable_extension(name)))}")
            if self._wants_s3_secret():
                try:
                    con.execute(S3Settings.from_env().secret_sql("recast_s3"))
                except duckdb.Error:
                    raise WarehouseError("could not create the S3 secret from the AWS_* variables") from None
            # Every row goes to Parquet under the data path, none into the catalog database:
            # the catalog stays metadata only, and the data is where the data path says.
            options = ["DATA_INLINING_ROW_LIMIT 0"]
            if self.data_path:
                options.append(f"DATA_PATH {quote_literal(self.data_path)}")
            if read_only:
                options.append("READ_ONLY")
            suffix = f" ({', '.join(options)})" if options else ""
            con.execute(f"ATTACH {quote_literal(DUCKLAKE_PREFIX + self.catalog)} AS {LAKE_ALIAS}{suffix}")
            con.execute(f"USE {LAKE_ALIAS}")
            return con
        except BaseException:
            con.close()
            raise

    def _shared(self, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        """A new connection (cursor) to this process's DuckDB instance that has the lake attached.

        Why: loading the extensions and attaching costs about a second per connection; a server
        catalog takes any number of connections, so each process attaches once and every load
        or read runs on a cursor of its own (its own transaction, the latest snapshot)."""
        key = (os.getpid(), self.catalog, self.data_path, read_only, S3Settings.from_env())
        with _SHARED_LOCK:
            base = _SHARED.get(key)
            if base is None:
                while len(_SHARED) >= _SHARED_MAX:  # e.g. a test suite's many lakes
                    _SHARED.pop(next(iter(_SHARED))).close()
                base = _SHARED[key] = self._open(read_only=read_only)
            con = base.cursor()
        try:
            con.execute(f"USE {LAKE_ALIAS}")
            con.execute("SET enable_progress_bar = false")
        except BaseException:
            con.close()
            with _SHARED_LOCK:
                _SHARED.pop(key, None)  # e.g. the catalog database restarted: attach afresh next time
            raise
        return con

    def _open_waiting(self, deadline: Deadline, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        attempt = 0
        while True:
            try:
                if self.catalog_file is None:
                    return self._shared(read_only=read_only)
                return open_when_free(lambda: self._open(read_only=read_only), str(self.catalog_file), deadline)
            except duckdb.Error as error:
                # Two first writers of a new lake both create the catalog's tables: one loses, then
                # finds them made. Anything else (or past the deadline) is reported at once.
                if not _lost_initialization(error) or attempt >= 5 or deadline.remaining <= 0:
                    raise WarehouseError(
                        f"could not open the DuckLake {self.describe()}: {redact(str(error))}"
                    ) from None
                time.sleep(pause(attempt, deadline.remaining))
                attempt += 1

    def forget_connection(self) -> None:
        """Drop this process's attached instance (after a connection failure): the next use attaches anew."""
        with _SHARED_LOCK:
            for key in [key for key in _SHARED if key[1:3] == (self.catalog, self.data_path)]:
                _SHARED.pop(key).close()

    @contextmanager
    def writer(self, deadline: Deadline) -> Iterator[duckdb.DuckDBPyConnection]:
        if self.data_path and not _is_remote(self.data_path):
            Path(self.data_path).mkdir(parents=True, exist_ok=True)
        if self.catalog_file is not None:
            self.catalog_file.parent.mkdir(parents=True, exist_ok=True)
            with (
                writer_lock(self.catalog_file, deadline),
                closing(self._open_waiting(deadline, read_only=False)) as con,
            ):
                yield con
            return
        with closing(self._open_waiting(deadline, read_only=False)) as con:
            try:
                yield con
            except (duckdb.IOException, duckdb.ConnectionException, duckdb.FatalException, duckdb.InternalException):
                self.forget_connection()  # e.g. Postgres restarted: the next load attaches afresh
                raise

    @contextmanager
    def reader(self, deadline: Deadline) -> Iterator[duckdb.DuckDBPyConnection | None]:
        """None when the lake was never written (no catalog file, or an empty catalog database)."""
        if self.catalog_file is not None and not self.catalog_file.exists():
            yield None
            return
        try:
            con = self._open_waiting(deadline, read_only=True)
        except WarehouseError as error:
            if self.catalog_file is None and _uninitialized(error):
                yield None
                return
            raise
        with closing(con):
            yield con

    def prepare_writer(self, con: duckdb.DuckDBPyConnection) -> None:
        meta.inline_meta_in_lake(con)

    def maintain(
        self, con: duckdb.DuckDBPyConnection, retention_days: float, cleanup_after: timedelta
    ) -> MaintenanceReport:
        return maintain_lake(con, self.database_name, retention_days, cleanup_after)


def _is_remote(path: str) -> bool:
    return "://" in path and path.split("://", 1)[0].lower() in _REMOTE_SCHEMES


def _lost_initialization(error: Exception) -> bool:
    text = str(error).lower()
    return "already exists" in text or "duplicate key" in text or "conflict" in text


def _uninitialized(error: Exception) -> bool:
    """DuckLake's answer to a read-only attach of a catalog database it never initialized."""
    text = str(error).lower()
    return "read-only" in text or "read only" in text or "does not exist" in text and "ducklake" in text
