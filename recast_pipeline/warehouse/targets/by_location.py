"""Which target a warehouse location names (DESIGN.md's ``RECAST_WAREHOUSE``)."""

from __future__ import annotations

import os

from recast_pipeline.warehouse.options import is_ducklake
from recast_pipeline.warehouse.targets.base import WarehouseTarget
from recast_pipeline.warehouse.targets.ducklake import DuckLake
from recast_pipeline.warehouse.targets.local_file import LocalFile
from recast_pipeline.warehouse.targets.motherduck import MotherDuck
from recast_pipeline.warehouse.targets.motherduck_access import is_motherduck


def open_target(location: str | os.PathLike, *, storage_version: str, data_path: str = "") -> WarehouseTarget:
    """``ducklake:<catalog>`` is a DuckLake, ``md:<database>`` MotherDuck, anything else a DuckDB file."""
    if is_ducklake(location):
        return DuckLake(str(location), data_path)
    if is_motherduck(location):
        return MotherDuck(location)
    return LocalFile(location, storage_version)
