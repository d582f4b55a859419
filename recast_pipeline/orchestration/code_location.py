"""Assemble the code location from its parts, so tests and the demo can build one with their own settings."""

from __future__ import annotations

import dagster as dg

from recast_pipeline.orchestration.assets import build_report_assets, build_report_checks
from recast_pipeline.orchestration.specs import IO_MANAGER_KEY
from recast_pipeline.orchestration.io_manager import DuckDBWarehouseIOManager
from recast_pipeline.orchestration.jobs import build_jobs
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
from recast_pipeline.orchestration.schedules import build_schedules
from recast_pipeline.orchestration.specs import AssetOptions
from recast_pipeline.orchestration.sensors import build_sensors


def build_definitions(
    partitioning: Partitioning, recast: RecastResource, warehouse: RecastWarehouse, options: AssetOptions = AssetOptions()
) -> dg.Definitions:
    """The Python entry point (tests, embedding); ``RecastComponent`` builds through it too."""
    report_assets = build_report_assets(partitioning, options)
    jobs = build_jobs(report_assets)
    return dg.Definitions(
        assets=report_assets,
        asset_checks=build_report_checks(partitioning, options),
        jobs=jobs,
        schedules=build_schedules(jobs),
        sensors=build_sensors(partitioning, report_assets),
        resources={
            "recast": recast,
            "warehouse": warehouse,
            IO_MANAGER_KEY: DuckDBWarehouseIOManager.of(warehouse),
        },
    )
