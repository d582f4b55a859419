"""Warehouse settings that come from the environment when the caller does not pass them.

Why here as well as in ``config.settings`` (which reads them): every way of opening the warehouse (the IO manager, the
``sql`` command, notebooks through ``Warehouse(path)``) must create the file in the same storage
format and keep the same history, whether or not the caller wired the variable through.

* ``RECAST_DUCKDB_STORAGE_VERSION``: the DuckDB storage compatibility version a *new* file is
  written with (``v1.2.0`` by default: DuckDB 1.2 and later, i.e. the 1.x clients and drivers of
  the last year, and 2.x, open it; ``latest`` writes the running DuckDB's own format). An existing
  file keeps the version it was created with.
* ``RECAST_DUCKLAKE_DATA_PATH``: where a DuckLake warehouse (``RECAST_WAREHOUSE=ducklake:...``)
  writes its Parquet data files: a folder or an ``s3://`` URL. Needed when the lake is created;
  afterwards the catalog remembers it.
* ``RECAST_HISTORY_VERSIONS``: how many superseded model versions per dashboard each history
  table keeps (``all``, empty or unset: every one; ``0``: none).
* ``RECAST_LAKE_RETENTION_DAYS``: how many days of DuckLake snapshots (time travel) the weekly
  maintenance keeps (default 30; ``maintenance``).
"""

from __future__ import annotations

import os
import re

from recast_pipeline.config.settings import Settings

STORAGE_VERSION_ENV = "RECAST_DUCKDB_STORAGE_VERSION"
HISTORY_VERSIONS_ENV = "RECAST_HISTORY_VERSIONS"
DUCKLAKE_DATA_PATH_ENV = "RECAST_DUCKLAKE_DATA_PATH"
WAREHOUSE_ENV = "RECAST_WAREHOUSE"
LAKE_RETENTION_ENV = "RECAST_LAKE_RETENTION_DAYS"
DEFAULT_LAKE_RETENTION_DAYS = 30.0
DEFAULT_STORAGE_VERSION = "v1.2.0"
DUCKLAKE_PREFIX = "ducklake:"
_VERSION = re.compile(r"v\d+\.\d+\.\d+|latest")


def storage_version(value: str | None = None) -> str:
    """The given version, else the environment's, else the default; checked for its shape."""
    chosen = (value if value is not None else Settings.from_env().storage_version).strip() or DEFAULT_STORAGE_VERSION
    if not _VERSION.fullmatch(chosen):
        raise ValueError(
            f"{STORAGE_VERSION_ENV}={chosen!r} is not a DuckDB storage version: use e.g. 'v1.2.0' or 'latest'"
        )
    return chosen


def history_versions(value: int | str | None = None) -> int | None:
    """Superseded model versions kept per dashboard: a non-negative int, or None for all."""
    raw = value if value is not None else Settings.from_env().history_versions
    if isinstance(raw, str):
        raw = raw.strip()
        if raw.lower() in ("", "all"):
            return None
        if not raw.isdigit():
            raise ValueError(f"{HISTORY_VERSIONS_ENV}={raw!r} must be a whole number of model versions or 'all'")
        raw = int(raw)
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ValueError(f"history_versions must be a non-negative int or None, got {raw!r}")
    return raw


def ducklake_data_path(value: str | None = None) -> str:
    """The given DuckLake data path, else the environment's; empty: the catalog's own."""
    return (value if value else Settings.from_env().ducklake_data_path).strip()


def is_ducklake(location: str | os.PathLike) -> bool:
    return str(location).strip().startswith(DUCKLAKE_PREFIX)


def lake_retention_days(value: float | str | None = None) -> float:
    """Days of DuckLake snapshots the maintenance keeps: the given value, else the environment's, else 30."""
    raw = value if value is not None else Settings.from_env().lake_retention_days.strip() or DEFAULT_LAKE_RETENTION_DAYS
    try:
        days = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{LAKE_RETENTION_ENV}={raw!r} must be a number of days") from None
    if not days >= 0:
        raise ValueError(f"{LAKE_RETENTION_ENV}={raw!r} must be zero or more days")
    return days
