"""What landing produces: lineage, column descriptions and landed tables (plain data, no I/O).

Why a separate module: the Parquet writer, the staging area and the warehouse all pass these
around, and the warehouse must not depend on how files were written.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pyarrow is imported on first use: every process that loads the definitions would pay it
    import pyarrow as pa


@lru_cache(maxsize=1)
def arrow_types() -> dict:
    """DuckDB type name -> Arrow type of the columns landing writes (for readers using pyarrow)."""
    import pyarrow as pa

    return {
        "BIGINT": pa.int64(),
        "DOUBLE": pa.float64(),
        "DATE": pa.date32(),
        "VARCHAR": pa.string(),
        "TIMESTAMP WITH TIME ZONE": pa.timestamp("us", tz="UTC"),
    }


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Lineage:
    """Which load produced a row; written on every row of every landed table.

    ``dashboard`` and ``partition_key`` name the partition (stable across model refreshes);
    ``deployment_id`` and ``model_date`` name the model version the numbers came from.
    """

    dashboard: str
    deployment_id: int
    model_date: str | None
    partition_key: str
    report_id: int
    loaded_at: datetime = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        if isinstance(self.deployment_id, bool) or not isinstance(self.deployment_id, int):
            raise TypeError(f"deployment_id must be an int, got {self.deployment_id!r}")
        if isinstance(self.report_id, bool) or not isinstance(self.report_id, int):
            raise TypeError(f"report_id must be an int, got {self.report_id!r}")
        for name in ("dashboard", "partition_key"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise TypeError(f"{name} must be a non-empty string, got {value!r}")
        if self.model_date is not None and not isinstance(self.model_date, str):
            raise TypeError(f"model_date must be a string or None, got {self.model_date!r}")
        if self.loaded_at.tzinfo is None:  # naive means UTC here, never local time
            object.__setattr__(self, "loaded_at", self.loaded_at.replace(tzinfo=timezone.utc))

    @property
    def partition(self) -> tuple[str, str]:
        """The partition identity: (dashboard, partition_key)."""
        return (self.dashboard, self.partition_key)


@dataclass(frozen=True)
class LandedColumn:
    """One Parquet column: identifier, the CSV header it came from, and its type.

    The type is DuckDB's name for it, as read back from the written file by DuckDB (no pyarrow
    on the landing path: importing it costs about 0.4 s per process).

    ``kind`` is "data" (from the CSV), "part" (a download key's variable part) or "lineage".
    ``all_null`` marks data columns without a single value: they are written as strings, and
    the warehouse lets a later load decide their real type.
    """

    name: str
    original: str | None
    duckdb_type: str
    kind: str = "data"
    all_null: bool = False

    @property
    def arrow_type(self) -> pa.DataType:
        return arrow_types()[self.duckdb_type]


@dataclass(frozen=True)
class ParquetFile:
    """Result of one CSV -> Parquet conversion."""

    path: Path
    rows: int
    columns: tuple[LandedColumn, ...]


@dataclass(frozen=True)
class LandedTable:
    """One download landed as Parquet, ready to publish and to load.

    ``table`` is the sanitized identifier (DuckDB table and folder name); ``logical_table`` the
    name the catalog gave; ``parts`` maps part column -> value. ``path`` is where the file is now
    (the staging folder until published, then ``final_path``). On object storage ``final_path``
    is an ``s3://`` URL (a string: a ``Path`` would fold its ``//``).
    """

    table: str
    logical_table: str
    download_key: str
    parts: dict[str, str]
    path: Path | str
    final_path: Path | str
    rows: int
    columns: tuple[LandedColumn, ...]
    lineage: Lineage
    published: bool = False

    @property
    def data_columns(self) -> tuple[LandedColumn, ...]:
        return tuple(column for column in self.columns if column.kind == "data")

    def as_published(self) -> LandedTable:
        return replace(self, path=self.final_path, published=True)
