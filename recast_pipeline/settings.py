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


def data_dir() -> Path:
    return Path(_env("RECAST_DATA_DIR") or "./data")


def warehouse_path() -> Path:
    value = _env("RECAST_WAREHOUSE")
    return Path(value) if value else data_dir() / "warehouse.duckdb"


def parquet_dir() -> Path:
    return data_dir() / "parquet"


def ledger_path() -> Path:
    """The create ledger: which Recast report each form fingerprint became (beside the warehouse)."""
    return data_dir() / "recast_ledger.sqlite"


def partitions_start() -> date:
    value = _env("RECAST_PARTITIONS_START") or DEFAULT_PARTITIONS_START
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"RECAST_PARTITIONS_START must be YYYY-MM-DD, got {value!r}") from None


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
