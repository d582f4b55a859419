"""The partition folder layout both landing stores share, and the checks that keep writes inside it.

Layout: ``<root>/<schema>/<table>/dashboard=<slug>/partition_key=<key>/<key file>.parquet`` with
every segment produced by ``naming`` (no segment can be ".", ".." or contain "/"). The partition is
the dashboard's, not the deployment's: a model refresh replaces the same folder.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from recast_pipeline.landing.naming import safe_segment


def require_text(value: str, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty string, got {value!r}")
    return value


def inside(root: Path, path: Path) -> Path:
    if not path.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"refusing to write outside the landing folder: {path}")
    return path


def partition_folder(table: str, dashboard: str, partition_key: str) -> PurePosixPath:
    """``<table>/dashboard=<slug>/partition_key=<key>``: one table's partition, below its schema."""
    return PurePosixPath(
        require_text(table, "table"),
        f"dashboard={safe_segment(require_text(dashboard, 'dashboard'))}",
        f"partition_key={safe_segment(require_text(partition_key, 'partition_key'))}",
    )
