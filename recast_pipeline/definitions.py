"""The Dagster code location: ``recast_pipeline.definitions.defs``.

Everything is configured from DESIGN.md's environment variables; the token reaches Dagster only
as ``EnvVar`` (the UI shows the variable's name, never its value).
"""

import dagster as dg

from recast_pipeline.orchestration.assets import IO_MANAGER_KEY, build_report_assets
from recast_pipeline.orchestration.io_manager import DuckDBWarehouseIOManager
from recast_pipeline.orchestration.jobs import build_jobs
from recast_pipeline.orchestration.partitions import Partitioning
from recast_pipeline.orchestration.resources import RecastResource, RecastWarehouse
from recast_pipeline.orchestration.schedules import build_schedules
from recast_pipeline.orchestration.sensors import build_sensors

partitioning = Partitioning.from_env()
report_assets = build_report_assets(partitioning)
warehouse = RecastWarehouse.from_env()
jobs = build_jobs(report_assets)

defs = dg.Definitions(
    assets=report_assets,
    jobs=jobs,
    schedules=build_schedules(jobs),
    sensors=build_sensors(partitioning, report_assets),
    resources={
        "recast": RecastResource.from_env(),
        "warehouse": warehouse,
        IO_MANAGER_KEY: DuckDBWarehouseIOManager(warehouse=warehouse),
    },
)
