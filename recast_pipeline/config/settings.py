"""Environment variables of DESIGN.md, read in one place (no Dagster imports)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DEFAULT_BASE_URL = "https://api.getrecast.com"
DEFAULT_POLL_INTERVAL = 30.0  # seconds between polls once a report has been running a while
DEFAULT_REPORT_TIMEOUT = 15 * 60.0  # the vendor's own limit per report
DEFAULT_MAX_IN_FLIGHT = 8  # reports computing at once, per run
DEFAULT_REUSE_HORIZON_DAYS = 14.0  # how far back reuse reads the report list when a deployment has no refresh time
DEFAULT_PARTITIONS_START = "2024-01-01"


def _env(name: str, *fallbacks: str) -> str | None:
    for key in (name, *fallbacks):
        value = os.environ.get(key)
        if value not in (None, ""):
            return value
    return None


def _number(name: str, default: float) -> float:
    value = _env(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def deployment_ids() -> tuple[int, ...]:
    """RECAST_DEPLOYMENT_IDS (or RECAST_DEPLOYMENT_ID): comma-separated integers, may be empty."""
    value = _env("RECAST_DEPLOYMENT_IDS", "RECAST_DEPLOYMENT_ID") or ""
    ids = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise ValueError(f"RECAST_DEPLOYMENT_IDS must be comma-separated integers, got {part!r}")
        ids.append(int(part))
    return tuple(dict.fromkeys(ids))


def dashboards() -> tuple[str, ...]:
    """RECAST_DASHBOARDS: comma-separated dashboard slugs to load; empty means every active one."""
    value = _env("RECAST_DASHBOARDS") or ""
    return tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


def credentials_missing() -> tuple[str, ...]:
    """The environment variables the real API needs that are not set (for messages, never values)."""
    missing = []
    if _env("RECAST_CLIENT_SLUG") is None:
        missing.append("RECAST_CLIENT_SLUG")
    if _env("RECAST_PAT", "API_PAT") is None:
        missing.append("RECAST_PAT")
    return tuple(missing)


def is_object_store(location: str | os.PathLike) -> bool:
    """Whether a data dir is an ``s3://`` URL rather than a local folder."""
    return str(location).strip().lower().startswith("s3://")


def join_location(location: str | os.PathLike, *parts: str) -> str:
    """``location/part/...`` for a folder or an ``s3://`` URL (``Path`` would fold the URL's ``//``)."""
    if is_object_store(location):
        return "/".join([str(location).strip().rstrip("/"), *(part.strip("/") for part in parts)])
    return str(Path(location, *parts))


def data_dir() -> Path | str:
    """RECAST_DATA_DIR: a folder (a ``Path``), or an ``s3://bucket/prefix`` URL (kept as a string)."""
    value = _env("RECAST_DATA_DIR") or "./data"
    return value.strip().rstrip("/") if is_object_store(value) else Path(value)


def default_warehouse(data_dir: str | os.PathLike) -> Path:
    """``<data_dir>/warehouse.duckdb``; a DuckDB file cannot be written on object storage."""
    if is_object_store(data_dir):
        raise ValueError(
            f"the data dir {str(data_dir)!r} is on object storage, where a DuckDB file cannot be written: "
            "set RECAST_WAREHOUSE (a DuckLake such as 'ducklake:postgres:dbname=recast host=db', "
            "or a local DuckDB file)"
        )
    return Path(data_dir) / "warehouse.duckdb"


def warehouse_path() -> Path:
    value = _env("RECAST_WAREHOUSE")
    return Path(value) if value else default_warehouse(data_dir())


def parquet_dir() -> Path | str:
    value = join_location(data_dir(), "parquet")
    return value if is_object_store(value) else Path(value)


def ledger_path_for(data_dir: str | os.PathLike) -> Path:
    """The create ledger of a data dir: RECAST_LEDGER if set, else beside the data; SQLite cannot
    live on object storage, so an ``s3://`` data dir keeps it in a per-user state folder
    (``$XDG_STATE_HOME/recast_pipeline/``, default ``~/.local/state``), one file per data dir."""
    value = _env("RECAST_LEDGER")
    if value:
        return Path(value)
    if not is_object_store(data_dir):
        return Path(data_dir) / "recast_ledger.sqlite"
    state = Path(_env("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    name = "-".join(part for part in str(data_dir).strip()[len("s3://"):].split("/") if part)
    return state / "recast_pipeline" / "ledgers" / f"{name or 'default'}.sqlite"


def ledger_path() -> Path:
    """The create ledger: which Recast report each form fingerprint became (``ledger_path_for``)."""
    return ledger_path_for(data_dir())


def partitions_start() -> date:
    value = _env("RECAST_PARTITIONS_START") or DEFAULT_PARTITIONS_START
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"RECAST_PARTITIONS_START must be YYYY-MM-DD, got {value!r}") from None


def reuse_horizon_days() -> float:
    """RECAST_REUSE_HORIZON_DAYS: how many days back the reuse lookup reads the report list when a
    deployment does not say when it was refreshed (no ``model_date``/``updated_at``); default 14."""
    days = _number("RECAST_REUSE_HORIZON_DAYS", DEFAULT_REUSE_HORIZON_DAYS)
    if not days > 0:
        raise ValueError(f"RECAST_REUSE_HORIZON_DAYS must be a positive number of days, got {days!r}")
    return days


@dataclass(frozen=True)
class PollingSettings:
    poll_interval: float
    report_timeout: float
    max_in_flight: int


def polling() -> PollingSettings:
    return PollingSettings(
        poll_interval=_number("RECAST_POLL_INTERVAL", DEFAULT_POLL_INTERVAL),
        report_timeout=_number("RECAST_REPORT_TIMEOUT", DEFAULT_REPORT_TIMEOUT),
        max_in_flight=int(_number("RECAST_MAX_IN_FLIGHT", DEFAULT_MAX_IN_FLIGHT)),
    )
