"""What the warehouse takes and returns: the report behind a load, and what the load did."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def _timestamp(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class ReportLoad:
    """The Recast report a partition's files came from, recorded in ``recast_meta.reports``.

    The partition is ``(dashboard, partition_key)``; ``deployment_id`` and ``model_date`` say which
    model version computed it (a refresh loads the same partition from a new version).
    """

    report_id: int
    report_type: str
    dashboard: str
    deployment_id: int
    model_date: str | None
    partition_key: str
    name: str | None = None
    status: str | None = None
    prerendered: bool = False
    form: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime | str | None = None
    finished_at: datetime | str | None = None
    queued_seconds: float | None = None
    waited_seconds: float | None = None
    descriptions: Mapping[str, str] = field(default_factory=dict)
    channels: tuple[str, ...] = ()  # the deployment's spend channel labels: how a wide download's columns are read

    def __post_init__(self) -> None:
        object.__setattr__(self, "created_at", _timestamp(self.created_at))
        object.__setattr__(self, "finished_at", _timestamp(self.finished_at))


@dataclass(frozen=True)
class TableLoad:
    """One download as loaded: its table and row count."""

    download_key: str
    table: str
    qualified_name: str  # '"schema"."table"', ready for SQL
    rows: int
    parquet_path: str


@dataclass(frozen=True)
class LoadResult:
    report_id: int
    report_type: str
    schema: str
    dashboard: str
    deployment_id: int
    model_date: str | None
    partition_key: str
    downloads: tuple[TableLoad, ...]
    rows: int
    replaced_rows: int  # rows of the previous load of this partition, now gone
    created_tables: tuple[str, ...]
    added_columns: tuple[str, ...]  # "table.column"
    altered_columns: tuple[str, ...]  # "table.column: BIGINT -> DOUBLE"
    lock_wait_seconds: float
    superseded_rows: int = 0  # replaced rows of another model version, kept in the history tables
    layouts: Mapping[str, str] = field(default_factory=dict)  # download key -> wide, long or other
    unread: Mapping[str, str] = field(default_factory=dict)  # download key -> why no mart could read it

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(load.table for load in self.downloads))
