"""What opening a DuckLake needs besides DuckDB: its extensions from the installed wheels, the
object store's credentials from the AWS variables, and messages without the catalog's password.

Why apart from ``targets``: these are the parts that touch the environment and the installed
packages; ``targets`` only decide how to open the warehouse.
"""

from __future__ import annotations

import importlib.util
import os
import re
import tempfile
import threading
from pathlib import Path

import duckdb

from recast_pipeline.landing.naming import quote_literal
from recast_pipeline.landing.s3 import S3Settings  # noqa: F401 (the warehouse names it from here)
from recast_pipeline.warehouse.errors import WarehouseError

_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


_URI_PASSWORD = re.compile(r"://[^/@\s:]*:[^@\s/]+@")  # postgresql://user:password@host/db


def redact(text: str) -> str:
    """A libpq conninfo (or a message quoting it) without its password."""
    return _URI_PASSWORD.sub("://***@", _PASSWORD.sub(r"\1***", text))


def refuse_password(catalog: str, variable: str = "RECAST_WAREHOUSE") -> None:
    """A DuckLake catalog's conninfo must not carry a password: the location is configuration, which the
    Dagster UI shows (the resource's ``warehouse_path``) and runs record; libpq reads it from PGPASSWORD or
    ~/.pgpass instead. Raises a one-line ValueError that never repeats the value."""
    if _PASSWORD.search(catalog) or _URI_PASSWORD.search(catalog):
        raise ValueError(
            f"{variable} holds a password (shown as {redact(catalog)!r}): remove it and give it to libpq through "
            "PGPASSWORD or ~/.pgpass (the Dagster UI shows this location as resource configuration)"
        )


# DuckDB derives an extension's entry point from the file name; the postgres wheel ships
# postgres.duckdb_extension but the extension calls itself postgres_scanner.
_CANONICAL = {"postgres": "postgres_scanner"}


def loadable_extension(name: str) -> Path:
    """A path ``LOAD`` accepts for the wheel's extension: the file itself, or a link to it under
    the extension's canonical name (in a per-user folder of the temp directory)."""
    shipped = extension_file(name)
    canonical = _CANONICAL.get(name)
    if canonical is None:
        return shipped
    folder = Path(tempfile.gettempdir()) / f"recast-duckdb-extensions-{os.getuid()}" / f"v{duckdb.__version__}"
    link = folder / f"{canonical}.duckdb_extension"
    if not (link.is_symlink() and link.resolve() == shipped.resolve()):
        folder.mkdir(parents=True, exist_ok=True)
        fresh = folder / f".{canonical}.{os.getpid()}.{threading.get_ident()}"
        fresh.unlink(missing_ok=True)
        fresh.symlink_to(shipped)
        os.replace(fresh, link)  # atomic: concurrent processes never see a half-made link
    return link


def extension_file(name: str) -> Path:
    """The extension binary shipped in the ``duckdb-extension-<name>`` wheel for this DuckDB."""
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    version = f"v{duckdb.__version__}"
    if spec is not None and spec.origin:
        found = Path(spec.origin).parent / "extensions" / version / f"{name}.duckdb_extension"
        if found.exists():
            return found
    raise WarehouseError(
        f"DuckLake needs the DuckDB extension {name!r} for DuckDB {duckdb.__version__}: install the project's "
        f"dependencies (pip install -e .), which bring the duckdb-extension-{name} wheel matching DuckDB"
    )


def enable_s3(con: duckdb.DuckDBPyConnection, secret_name: str = "recast_s3") -> None:
    """Let ``con`` read ``s3://`` paths: httpfs from the installed wheel, the AWS variables as a
    temporary secret of this connection (for landed Parquet on S3, whatever the target)."""
    con.execute(f"LOAD {quote_literal(str(loadable_extension('httpfs')))}")
    try:
        con.execute(S3Settings.from_env().secret_sql(secret_name))
    except duckdb.Error:
        raise WarehouseError("could not create the S3 secret from the AWS_* variables") from None
